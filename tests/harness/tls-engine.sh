#!/usr/bin/env bash
# A private dockerd that also listens on tcp://127.0.0.1:PORT with --tlsverify, for the TLS
# engine suite (tests/engine/tests/tls.rs starts and stops it itself).
#
#   tls-engine.sh up   STATE_DIR   certificates made with openssl for the run in STATE_DIR/certs,
#                                  then `engines.sh docker-up STATE_DIR` with the TLS listener;
#                                  writes STATE_DIR/tls-env
#   tls-engine.sh down STATE_DIR   `engines.sh down STATE_DIR` (stops it, deletes STATE_DIR)
#
# STATE_DIR/certs holds one folder per client, each in DOCKER_CERT_PATH's layout
# (ca.pem, cert.pem, key.pem):
#   client       the CA and a client certificate it signed (PKCS#8 RSA key)
#   client-rsa   the same with a PKCS#1 RSA key;  client-ec  with an EC (SEC1) key
#   no-cert      only the CA: TLS without a client certificate
#   wrong-client the CA, and a client certificate signed by another ("wrong") CA
#   wrong-ca     the wrong CA as ca.pem (the engine's certificate is not trusted), a good client
# The engine's certificate names IP:127.0.0.1 only. Nothing listens beyond 127.0.0.1.

set -euo pipefail
unset DOCKER_HOST DOCKER_CONTEXT DOCKER_TLS_VERIFY DOCKER_TLS DOCKER_CERT_PATH
export LC_ALL=C

HARNESS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly HARNESS_DIR

log() { printf '[tls-engine %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() {
  printf '[tls-engine] ERROR: %s\n' "$*" >&2
  exit 1
}

shquote() {
  local s=${1//\'/\'\\\'\'}
  printf "'%s'" "$s"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# ca NAME: a self-signed EC CA in $C/NAME-ca.pem (+ key)
make_ca() {
  local name=$1
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$C/$name-ca-key.pem" -out "$C/$name-ca.pem" -days 2 \
    -subj "/CN=slipway-test-$name-ca" 2>/dev/null
}

# sign CA_NAME CSR OUT EXTENSIONS
sign() {
  local ca=$1 csr=$2 out=$3 ext=$4
  openssl x509 -req -in "$csr" -CA "$C/$ca-ca.pem" -CAkey "$C/$ca-ca-key.pem" \
    -CAcreateserial -days 2 -out "$out" -extfile <(printf '%b' "$ext") 2>/dev/null
}

readonly CLIENT_EXT='basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n'

# client DIR CA_NAME KEY_KIND(pkcs8|pkcs1|ec) TRUSTED_CA_NAME
make_client() {
  local dir=$C/$1 ca=$2 kind=$3 trusted=$4
  mkdir -p "$dir"
  case $kind in
  pkcs8) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$dir/key.pem" 2>/dev/null ;;
  pkcs1) openssl genrsa -traditional -out "$dir/key.pem" 2048 2>/dev/null ;;
  ec) openssl ecparam -name prime256v1 -genkey -noout -out "$dir/key.pem" ;;
  esac
  openssl req -new -key "$dir/key.pem" -subj "/CN=slipway-test-client" -out "$dir/client.csr"
  sign "$ca" "$dir/client.csr" "$dir/cert.pem" "$CLIENT_EXT"
  rm -f "$dir/client.csr"
  cp "$C/$trusted-ca.pem" "$dir/ca.pem"
}

make_certs() {
  rm -rf "$C"
  mkdir -p "$C/server"
  make_ca good
  make_ca wrong
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$C/server/key.pem" -subj "/CN=127.0.0.1" -out "$C/server/server.csr" 2>/dev/null
  sign good "$C/server/server.csr" "$C/server/cert.pem" \
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1\n'
  make_client client good pkcs8 good
  make_client client-rsa good pkcs1 good
  make_client client-ec good ec good
  make_client wrong-client wrong pkcs8 good
  make_client wrong-ca good pkcs8 wrong
  mkdir -p "$C/no-cert"
  cp "$C/good-ca.pem" "$C/no-cert/ca.pem"
  chmod 600 "$C"/*/key.pem "$C"/*-ca-key.pem
  grep -q 'BEGIN PRIVATE KEY' "$C/client/key.pem" || die "client key is not PKCS#8"
  grep -q 'BEGIN RSA PRIVATE KEY' "$C/client-rsa/key.pem" || die "client-rsa key is not PKCS#1"
  grep -q 'BEGIN EC PRIVATE KEY' "$C/client-ec/key.pem" || die "client-ec key is not SEC1"
}

cmd_up() {
  command -v openssl >/dev/null || die "openssl is missing (apt-get install openssl)"
  mkdir -p "$STATE"
  # engines.sh's mark of a state dir it may use and delete (docker-up wants one or none).
  touch "$STATE/.slipway-harness"
  C=$STATE/certs
  local port
  if [ -r "$STATE/tls-port" ]; then
    port=$(cat "$STATE/tls-port") # a restart keeps its address
  else
    make_certs
    port=$(free_port)
    echo "$port" >"$STATE/tls-port"
  fi
  log "dockerd with TLS on 127.0.0.1:$port"
  SLIPWAY_HARNESS_DOCKERD_ARGS="-H tcp://127.0.0.1:$port --tlsverify --tlscacert $C/good-ca.pem --tlscert $C/server/cert.pem --tlskey $C/server/key.pem" \
    bash "$HARNESS_DIR/engines.sh" docker-up "$STATE"
  {
    printf 'export SLIPWAY_TEST_TLS_HOST=%s\n' "$(shquote "tcp://127.0.0.1:$port")"
    printf 'export SLIPWAY_TEST_TLS_CERTS=%s\n' "$(shquote "$C")"
    printf 'export SLIPWAY_TEST_TLS_SOCKET=%s\n' "$(shquote "unix://$STATE/docker/docker.sock")"
  } >"$STATE/tls-env.tmp"
  mv "$STATE/tls-env.tmp" "$STATE/tls-env"
}

[ $# -eq 2 ] || {
  echo "usage: $0 up|down STATE_DIR" >&2
  exit 2
}
STATE=${2%/}
case $STATE in
/?*/?*) ;;
*) die "STATE_DIR must be an absolute path below a folder (got '$2')" ;;
esac
case $1 in
up) cmd_up ;;
down) bash "$HARNESS_DIR/engines.sh" down "$STATE" ;;
*)
  echo "usage: $0 up|down STATE_DIR" >&2
  exit 2
  ;;
esac
