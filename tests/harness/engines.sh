#!/usr/bin/env bash
# Private container-engine test harness for Slipway.
#
#   engines.sh up   STATE_DIR   start a private dockerd (+ its own containerd),
#                               two local registries (open + htpasswd auth) and a
#                               podman API service, seed a busybox image, and
#                               write STATE_DIR/env
#   engines.sh docker-up STATE_DIR  only a dockerd (+ containerd) with the base image;
#                               run it again to restart what was killed (fault suite)
#   engines.sh down STATE_DIR   stop everything started by `up`, unmount what is
#                               left under STATE_DIR and delete it (idempotent,
#                               safe after a partial or failed `up`)
#
# Everything lives under STATE_DIR (keep it short, e.g. mktemp -d /tmp/sw.XXXXXX:
# unix socket paths are limited to ~108 bytes). Only 127.0.0.1 is used for
# network listeners; dockerd runs without a bridge/iptables; podman defaults to
# network "none"; nothing is ever pulled from Docker Hub. The host's default
# docker socket and the caller's DOCKER_HOST/podman connection are never used.
#
# Environment:
#   SLIPWAY_HARNESS_NO_PODMAN=1   skip the podman service (quicker runs)
#   SLIPWAY_HARNESS_NO_INSTALL=1  never apt-get install missing tools (fail instead)
#
# See README.md in this directory.

set -euo pipefail

# Never talk to whatever engine the caller has configured.
unset DOCKER_HOST DOCKER_CONTEXT DOCKER_TLS_VERIFY DOCKER_CERT_PATH
unset CONTAINER_HOST CONTAINER_CONNECTION CONTAINER_SSHKEY
export DOCKER_BUILDKIT=0
export LC_ALL=C

HARNESS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly HARNESS_DIR
readonly BASE_IMAGE="slipway-test/busybox:latest"
readonly AUTH_USER="slipway"
readonly MARKER=".slipway-harness"
readonly APT_PACKAGES="docker.io docker-registry podman runc busybox-static apache2-utils uidmap curl python3 iproute2 procps openssh-server"

log() { printf '[engines %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() {
  printf '[engines] ERROR: %s\n' "$*" >&2
  exit 1
}

usage() {
  echo "usage: $0 up|docker-up|down STATE_DIR" >&2
  exit 2
}

# POSIX single-quoting (safe for any value, including ' " $ ` \ ! and newlines).
shquote() {
  local s=${1//\'/\'\\\'\'}
  printf "'%s'" "$s"
}

# --------------------------------------------------------------------------
# paths

set_paths() {
  STATE=$1
  case $STATE in
  /*) ;;
  *) die "STATE_DIR must be an absolute path (got '$STATE')" ;;
  esac
  STATE=${STATE%/}
  case $STATE in
  "" | / | /tmp | /var | /var/run | /run | /root | /home | /etc | /usr | /var/lib | /var/tmp)
    die "refusing to use '$1' as STATE_DIR"
    ;;
  esac
  D=$STATE/docker
  P=$STATE/podman
  R=$STATE/registry
  PIDS=$STATE/pids
  DOCKER_SOCK=$D/docker.sock
  CONTAINERD_SOCK=$D/containerd/containerd.sock
  PODMAN_SOCK=$P/podman.sock
}

# Refuse to ever use the system-wide docker socket.
assert_private_socket() {
  local sock=$1 real
  real=$(realpath -m -- "$sock")
  case $real in
  /var/run/docker.sock | /run/docker.sock)
    die "refusing to use the system docker socket ($sock -> $real)"
    ;;
  esac
  case $sock in
  "$STATE"/*) ;;
  *) die "socket $sock is not inside the private state dir $STATE" ;;
  esac
  if [ "${#sock}" -gt 100 ]; then
    die "socket path too long (${#sock} > 100 bytes): $sock -- use a shorter STATE_DIR"
  fi
}

# --------------------------------------------------------------------------
# prerequisites

find_docker_cli() {
  local c
  for c in /usr/bin/docker "$(command -v docker 2>/dev/null || true)"; do
    if [ -z "$c" ] || [ ! -x "$c" ]; then continue; fi
    DOCKER_CLI=$c
    return 0
  done
  return 1
}

find_static_busybox() {
  local c
  for c in /bin/busybox /usr/bin/busybox; do
    [ -x "$c" ] || continue
    # ldd prints "not a dynamic executable" (and fails) for static binaries
    if ! ldd "$c" >/dev/null 2>&1; then
      BUSYBOX=$c
      return 0
    fi
  done
  return 1
}

missing_tools() {
  local t missing=()
  for t in dockerd containerd containerd-shim-runc-v2 runc docker-registry htpasswd curl python3 ip ps setsid unshare nsenter realpath; do
    command -v "$t" >/dev/null 2>&1 || missing+=("$t")
  done
  [ -x /usr/bin/docker ] || missing+=(docker)
  [ -x /usr/sbin/sshd ] || missing+=(sshd)
  if [ "${SLIPWAY_HARNESS_NO_PODMAN:-}" != 1 ]; then
    for t in podman conmon; do
      command -v "$t" >/dev/null 2>&1 || missing+=("$t")
    done
  fi
  find_static_busybox || missing+=(static-busybox)
  [ ${#missing[@]} -eq 0 ] || echo "${missing[*]}"
}

ensure_tools() {
  local missing
  missing=$(missing_tools)
  if [ -n "$missing" ]; then
    [ "${SLIPWAY_HARNESS_NO_INSTALL:-}" != 1 ] || die "missing tools: $missing"
    [ "$(id -u)" = 0 ] || die "missing tools ($missing) and not root to install them"
    log "installing missing tools ($missing): apt-get install $APT_PACKAGES"
    local pkgs
    read -r -a pkgs <<<"$APT_PACKAGES"
    bash "$HARNESS_DIR/../install-packages.sh" "${pkgs[@]}" || die "apt-get install failed"
    missing=$(missing_tools)
    [ -z "$missing" ] || die "still missing after install: $missing"
  fi
  [ "$(id -u)" = 0 ] || die "the harness runs dockerd/podman as root; run it as root"
  find_docker_cli || die "no docker CLI found"
  find_static_busybox || die "no static busybox found"
}

# --------------------------------------------------------------------------
# small helpers

free_port() {
  python3 - <<'EOF'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
EOF
}

# start_bg NAME LOGFILE CMD... : start a daemon in its own session (so a Ctrl-C
# in the terminal does not hit it before `down` can stop it in order), record
# its pid in $PIDS/NAME.pid.
start_bg() {
  local name=$1 logf=$2
  shift 2
  setsid "$@" </dev/null >>"$logf" 2>&1 &
  local pid=$!
  echo "$pid" >"$PIDS/$name.pid"
  log "started $name (pid $pid)"
}

pid_alive() {
  local pid=$1 st
  [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || return 1
  st=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
  [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# wait_for DESCRIPTION TIMEOUT_S PIDFILE LOGFILE CMD... : poll CMD until it
# succeeds; fail early if the daemon died; on failure print the log tail.
wait_for() {
  local what=$1 timeout=$2 pidf=$3 logf=$4
  shift 4
  local deadline=$((SECONDS + timeout)) pid
  while :; do
    if "$@" >/dev/null 2>&1; then
      log "$what is ready"
      return 0
    fi
    pid=$(cat "$pidf" 2>/dev/null || true)
    if ! pid_alive "$pid"; then
      echo "----- $what died; last lines of $logf -----" >&2
      tail -n 40 "$logf" >&2 || true
      die "$what exited during startup"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "----- $what not ready after ${timeout}s; last lines of $logf -----" >&2
      tail -n 40 "$logf" >&2 || true
      die "timeout waiting for $what"
    fi
    sleep 0.2
  done
}

http_code() { curl -s -o /dev/null -m 5 -w '%{http_code}' "$@" || true; }

docker_cli() { "$DOCKER_CLI" -H "unix://$DOCKER_SOCK" "$@"; }

# --------------------------------------------------------------------------
# up: dockerd

up_docker() {
  mkdir -p "$D/data" "$D/exec" "$D/containerd/root" "$D/containerd/state" "$D/containerd/opt" "$D/cli-config"
  assert_private_socket "$DOCKER_SOCK"
  assert_private_socket "$CONTAINERD_SOCK"
  start_containerd
  start_dockerd
}

start_containerd() {
  # Our own containerd: dockerd 20.10 would otherwise silently share a system
  # containerd if /run/containerd/containerd.sock happens to exist (or start its
  # own child, which a kill -9 of dockerd would orphan).
  cat >"$D/containerd/config.toml" <<EOF
version = 2
root = "$D/containerd/root"
state = "$D/containerd/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]

[grpc]
  address = "$CONTAINERD_SOCK"

[ttrpc]
  address = ""

[debug]
  address = ""

[metrics]
  address = ""

[plugins]
  [plugins."io.containerd.internal.v1.opt"]
    path = "$D/containerd/opt"
EOF
  start_bg containerd "$D/containerd.log" containerd --config "$D/containerd/config.toml"
  wait_for containerd 30 "$PIDS/containerd.pid" "$D/containerd.log" test -S "$CONTAINERD_SOCK"
}

# SLIPWAY_HARNESS_DOCKERD_ARGS: extra dockerd flags (the fault suite's private engines).
start_dockerd() {
  # Empty daemon.json so a host /etc/docker/daemon.json (mirrors, hosts, ...)
  # can never leak into the private daemon.
  echo '{}' >"$D/daemon.json"
  local extra=()
  read -r -a extra <<<"${SLIPWAY_HARNESS_DOCKERD_ARGS:-}"
  start_bg dockerd "$D/dockerd.log" dockerd \
    --config-file "$D/daemon.json" \
    --data-root "$D/data" \
    --exec-root "$D/exec" \
    --pidfile "$D/dockerd.pid" \
    -H "unix://$DOCKER_SOCK" \
    --containerd "$CONTAINERD_SOCK" \
    --bridge=none --iptables=false --ip-masq=false --ip6tables=false \
    --ip-forward=false --userland-proxy=false "${extra[@]}"
  wait_for dockerd 30 "$PIDS/dockerd.pid" "$D/dockerd.log" docker_cli version
}

seed_docker_image() {
  local ctx=$STATE/seed
  mkdir -p "$ctx"
  cp "$BUSYBOX" "$ctx/busybox"
  cat >"$ctx/Dockerfile" <<'EOF'
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
CMD ["/bin/sh"]
EOF
  log "building $BASE_IMAGE in dockerd"
  docker_cli build -q --force-rm -t "$BASE_IMAGE" "$ctx" >"$STATE/seed/docker-build.log" 2>&1 ||
    {
      cat "$STATE/seed/docker-build.log" >&2
      die "docker build of $BASE_IMAGE failed"
    }
}

# --------------------------------------------------------------------------
# up: registries

# JSON auth config as sent in X-Registry-Auth; does its *standard* base64
# contain '+' or '/'? Checked for the compact serde_json-style encoding and for
# Go's encoding/json (which escapes < > & as \u003c ...).
password_has_b64_special() {
  python3 - "$1" "$2" <<'EOF'
import base64, json, sys
pw, server = sys.argv[1], sys.argv[2]
obj = {"username": "slipway", "password": pw, "serveraddress": server}
plain = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
goish = plain.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
ok = True
for s in (plain, goish):
    b = base64.b64encode(s.encode()).decode()
    if "+" not in b and "/" not in b:
        ok = False
sys.exit(0 if ok else 1)
EOF
}

write_registry_config() {
  local dir=$1 port=$2 auth=$3
  {
    cat <<EOF
version: 0.1
log:
  level: info
  fields:
    service: slipway-test-registry
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:$port
  headers:
    X-Content-Type-Options: [nosniff]
EOF
    if [ "$auth" = 1 ]; then
      cat <<EOF
auth:
  htpasswd:
    realm: slipway-test
    path: $dir/htpasswd
EOF
    fi
  } >"$dir/config.yml"
}

# start_registry NAME AUTH(0|1) EXPECTED_CODE -> sets REG_PORT
start_registry() {
  local name=$1 auth=$2 want=$3 dir=$R/$1 attempt port pid
  mkdir -p "$dir/data"
  for attempt in 1 2 3 4 5; do
    [ "$attempt" = 1 ] || log "retrying registry $name on another port (attempt $attempt)"
    port=$(free_port)
    if [ "$auth" = 1 ]; then
      AUTH_PASSWORD=$(pick_password "127.0.0.1:$port")
      htpasswd -Bbn "$AUTH_USER" "$AUTH_PASSWORD" >"$dir/htpasswd"
    fi
    write_registry_config "$dir" "$port" "$auth"
    start_bg "registry-$name" "$dir/registry.log" docker-registry serve "$dir/config.yml"
    local deadline=$((SECONDS + 20)) code=""
    while [ "$SECONDS" -lt "$deadline" ]; do
      code=$(http_code "http://127.0.0.1:$port/v2/")
      [ "$code" = "$want" ] && break
      pid=$(cat "$PIDS/registry-$name.pid")
      pid_alive "$pid" || break
      sleep 0.2
    done
    if [ "$code" = "$want" ]; then
      log "registry $name ready on 127.0.0.1:$port (GET /v2/ -> $code)"
      REG_PORT=$port
      return 0
    fi
    pid=$(cat "$PIDS/registry-$name.pid")
    kill "$pid" 2>/dev/null || true
    echo "----- registry $name failed on port $port (last code '$code'); log tail -----" >&2
    tail -n 15 "$dir/registry.log" >&2 || true
    sleep 0.5
  done
  die "could not start registry $name"
}

# A password with shell-special characters whose X-Registry-Auth JSON has '+'
# or '/' in standard base64 (so clients that use standard instead of URL-safe
# base64 are caught). The "???" run guarantees a '/' whatever the alignment;
# the loop below is the actual check for the chosen port.
pick_password() {
  local server=$1 pw="Sl1p\$way?~???'pw!" i
  for i in 1 2 3 4 5 6 7 8; do
    if password_has_b64_special "$pw" "$server"; then
      printf '%s' "$pw"
      return 0
    fi
    pw="$pw?~"
  done
  die "could not find a password with the base64 property"
}

up_registries() {
  start_registry open 0 200
  REGISTRY=127.0.0.1:$REG_PORT
  start_registry auth 1 401
  AUTH_REGISTRY=127.0.0.1:$REG_PORT
  password_has_b64_special "$AUTH_PASSWORD" "$AUTH_REGISTRY" ||
    die "password property check failed"
  # sanity: the credentials are accepted by the registry itself
  local code
  code=$(http_code -u "$AUTH_USER:$AUTH_PASSWORD" "http://$AUTH_REGISTRY/v2/")
  [ "$code" = 200 ] || die "auth registry rejected the harness credentials (HTTP $code)"
}

push_seed_images() {
  # 127.0.0.0/8 registries are insecure (plain http) by default in dockerd.
  local cfg=$D/cli-config
  log "pushing $BASE_IMAGE to $REGISTRY and $AUTH_REGISTRY"
  docker_cli tag "$BASE_IMAGE" "$REGISTRY/$BASE_IMAGE"
  docker_cli push "$REGISTRY/$BASE_IMAGE" >"$STATE/seed/push-open.log" 2>&1 ||
    {
      cat "$STATE/seed/push-open.log" >&2
      die "push to open registry failed"
    }
  docker_cli rmi "$REGISTRY/$BASE_IMAGE" >/dev/null

  printf '%s' "$AUTH_PASSWORD" |
    DOCKER_CONFIG=$cfg docker_cli login -u "$AUTH_USER" --password-stdin "$AUTH_REGISTRY" >"$STATE/seed/login.log" 2>&1 ||
    {
      cat "$STATE/seed/login.log" >&2
      die "docker login to auth registry failed"
    }
  docker_cli tag "$BASE_IMAGE" "$AUTH_REGISTRY/$BASE_IMAGE"
  DOCKER_CONFIG=$cfg docker_cli push "$AUTH_REGISTRY/$BASE_IMAGE" >"$STATE/seed/push-auth.log" 2>&1 ||
    {
      cat "$STATE/seed/push-auth.log" >&2
      die "push to auth registry failed"
    }
  docker_cli rmi "$AUTH_REGISTRY/$BASE_IMAGE" >/dev/null
  DOCKER_CONFIG=$cfg docker_cli logout "$AUTH_REGISTRY" >/dev/null 2>&1 || true
  # Leave an empty client config for the tests (no stored credentials).
  echo '{}' >"$cfg/config.json"
}

# --------------------------------------------------------------------------
# up: podman

podman_env() {
  # everything podman reads or writes is redirected under $P
  export CONTAINERS_CONF=$P/conf/containers.conf
  export CONTAINERS_STORAGE_CONF=$P/conf/storage.conf
  export CONTAINERS_REGISTRIES_CONF=$P/conf/registries.conf
  export REGISTRY_AUTH_FILE=$P/conf/auth.json
  export HOME=$P/home
  export XDG_RUNTIME_DIR=$P/xdg/run
  export XDG_CONFIG_HOME=$P/xdg/config
  export XDG_DATA_HOME=$P/xdg/data
  export XDG_CACHE_HOME=$P/xdg/cache
  export TMPDIR=$P/tmp
}

# Container ulimits for podman: rootful podman defaults nofile/nproc to
# 1048576/4194304 and runc cannot raise a limit above the service's own hard
# limit once capabilities are dropped (fails with "error setting rlimit type
# 7/6: operation not permitted" on hosts with low hard limits, like this one:
# nofile 20000). podman also caps its own nproc at kernel.pid_max. So use the
# limits the service process will have: "nofile=S:H", "nproc=S:H".
# With a PID argument, read them from that running process instead.
podman_ulimits() {
  local pid=${1:-} nofile nproc pidmax
  if [ -n "$pid" ]; then
    nofile=$(awk '/^Max open files/ { print $4 ":" $5 }' "/proc/$pid/limits")
    nproc=$(awk '/^Max processes/ { print $3 ":" $4 }' "/proc/$pid/limits")
  else
    nofile="$(ulimit -Sn):$(ulimit -Hn)"
    nproc="$(ulimit -Su):$(ulimit -Hu)"
    pidmax=$(cat /proc/sys/kernel/pid_max 2>/dev/null || echo 4194304)
    nproc=$(cap_limit "$nproc" "$pidmax")
  fi
  local out="" e
  for e in "nofile=$nofile" "nproc=$nproc"; do
    case $e in *unlimited*) continue ;; esac
    out="$out${out:+, }\"$e\""
  done
  printf '%s' "$out"
}

# cap_limit S:H MAX -> min(S,MAX):min(H,MAX) ("unlimited" counts as infinite)
cap_limit() {
  local soft=${1%%:*} hard=${1#*:} max=$2
  if [ "$soft" = unlimited ] || [ "$soft" -gt "$max" ]; then soft=$max; fi
  if [ "$hard" = unlimited ] || [ "$hard" -gt "$max" ]; then hard=$max; fi
  printf '%s:%s' "$soft" "$hard"
}

podman_remote() { podman --remote --url "unix://$PODMAN_SOCK" "$@"; }

up_podman() {
  mkdir -p "$P/conf" "$P/storage" "$P/run" "$P/tmp" "$P/libpod-tmp" "$P/networks" \
    "$P/events" "$P/home/.config/containers" "$P/xdg/run" "$P/xdg/config" "$P/xdg/data" "$P/xdg/cache"
  chmod 700 "$P/xdg/run"
  assert_private_socket "$PODMAN_SOCK"

  cat >"$P/conf/storage.conf" <<EOF
[storage]
driver = "overlay"
runroot = "$P/run"
graphroot = "$P/storage"

[storage.options]

[storage.options.overlay]
mountopt = "nodev"
EOF

  write_podman_conf "$(podman_ulimits)"
  start_podman_service
  # If the service ended up with lower limits than predicted, use its real ones.
  local actual
  actual=$(podman_ulimits "$(cat "$PIDS/podman.pid")")
  if [ "$actual" != "$ULIMITS" ]; then
    log "podman service limits are [$actual], not [$ULIMITS]: restarting it with those"
    stop_named podman 10
    stop_named podman-netns-forward 5
    write_podman_conf "$actual"
    start_podman_service
  fi
}

write_podman_conf() {
  ULIMITS=$1
  cat >"$P/conf/containers.conf" <<EOF
[containers]
# No network namespace setup by default: no bridge, no 10.88.0.0/16.
netns = "none"
log_driver = "k8s-file"
# = the service's own limits; see podman_ulimits in engines.sh (runc cannot
# raise a limit above them once capabilities are dropped).
default_ulimits = [$ULIMITS]

[network]
network_backend = "netavark"
network_config_dir = "$P/networks"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$P/events/events.log"
tmp_dir = "$P/libpod-tmp"
volume_path = "$P/storage/volumes"
static_dir = "$P/storage/libpod"
image_copy_tmp_dir = "$P/tmp"
# file locks under tmp_dir instead of the host-global /dev/shm/libpod_lock
lock_type = "file"
service_timeout = 0
EOF

  cat >"$P/conf/registries.conf" <<EOF
unqualified-search-registries = []

[[registry]]
location = "$REGISTRY"
insecure = true

[[registry]]
location = "$AUTH_REGISTRY"
insecure = true
EOF

  cat >"$P/home/.config/containers/policy.json" <<'EOF'
{"default": [{"type": "insecureAcceptAnything"}]}
EOF
  echo '{}' >"$P/conf/auth.json"
}

start_podman_service() {
  # The service runs in its own mount + network namespace:
  # - network: podman 4.3's Docker-compat API ignores netns="none" and puts
  #   containers created without HostConfig.NetworkMode on the "podman" bridge
  #   (10.88.0.0/16, plus netavark iptables chains). In a private netns that
  #   bridge and its firewall rules never exist on the host and vanish with the
  #   service. The registries are made reachable inside as 127.0.0.1:PORT by
  #   netns-forward.py.
  # - mount: rootful podman hard-codes /var/lib/containers/cache
  #   (blob-info-cache-v1.boltdb, written by pulls and builds) and
  #   /run/containers/networks (netavark); both are bind mounts into $P there.
  #   The host only gets the (empty) mount-point directories. Container overlay
  #   mounts stay inside that namespace and vanish with its processes.
  mkdir -p "$P/ns/var-lib-containers" "$P/ns/run-containers"
  mkdir -p /var/lib/containers /run/containers
  (
    podman_env
    # shellcheck disable=SC2016
    start_bg podman "$P/podman.log" unshare --mount --net --propagation private -- /bin/sh -c '
      ip link set lo up &&
        mount --bind "$1" /var/lib/containers &&
        mount --bind "$2" /run/containers || exit 1
      shift 2
      exec "$@"' sh "$P/ns/var-lib-containers" "$P/ns/run-containers" \
      podman --log-level=info system service --time=0 "unix://$PODMAN_SOCK"
  )
  wait_for "podman service" 30 "$PIDS/podman.pid" "$P/podman.log" \
    curl -sf -m 5 --unix-socket "$PODMAN_SOCK" http://d/_ping

  local ppid
  ppid=$(cat "$PIDS/podman.pid")
  # comm stays "python3"; the state dir in argv lets `down` find it.
  start_bg podman-netns-forward "$P/netns-forward.log" \
    python3 "$HARNESS_DIR/netns-forward.py" "/proc/$ppid/ns/net" \
    "${REGISTRY##*:}" "${AUTH_REGISTRY##*:}" "--state=$STATE/"
  wait_for "registry forwarding into the podman netns" 15 "$PIDS/podman-netns-forward.pid" "$P/netns-forward.log" \
    nsenter --net="/proc/$ppid/ns/net" curl -sf -m 5 -o /dev/null "http://$REGISTRY/v2/"
}

seed_podman_image() {
  log "building $BASE_IMAGE in podman (shows as localhost/$BASE_IMAGE)"
  podman_remote build -q --network none -t "$BASE_IMAGE" "$STATE/seed" >"$STATE/seed/podman-build.log" 2>&1 ||
    {
      cat "$STATE/seed/podman-build.log" >&2
      die "podman build of $BASE_IMAGE failed"
    }
  # the service must see the image through the Docker-compatible API
  curl -sf -m 10 --unix-socket "$PODMAN_SOCK" "http://d/v1.41/images/slipway-test/busybox:latest/json" >/dev/null ||
    die "podman compat API does not see $BASE_IMAGE"
  # smoke test: run a container with runc, no network
  if podman_remote run --rm --network none "$BASE_IMAGE" echo podman-run-ok >"$STATE/seed/podman-run.log" 2>&1 &&
    grep -q podman-run-ok "$STATE/seed/podman-run.log"; then
    PODMAN_CAN_RUN=1
  else
    PODMAN_CAN_RUN=0
    log "WARNING: 'podman run' failed (see below); container create may still work"
    cat "$STATE/seed/podman-run.log" >&2 || true
  fi
}

# --------------------------------------------------------------------------

write_env() {
  local f=$STATE/env.tmp
  {
    echo "# generated by tests/harness/engines.sh up; source with bash/sh"
    printf 'export SLIPWAY_TEST_STATE=%s\n' "$(shquote "$STATE")"
    printf 'export SLIPWAY_TEST_DOCKER_HOST=%s\n' "$(shquote "unix://$DOCKER_SOCK")"
    printf 'export SLIPWAY_TEST_DOCKER_CLI=%s\n' "$(shquote "$DOCKER_CLI")"
    printf 'export SLIPWAY_TEST_DOCKER_CONFIG=%s\n' "$(shquote "$D/cli-config")"
    printf 'export SLIPWAY_TEST_REGISTRY=%s\n' "$(shquote "$REGISTRY")"
    printf 'export SLIPWAY_TEST_AUTH_REGISTRY=%s\n' "$(shquote "$AUTH_REGISTRY")"
    printf 'export SLIPWAY_TEST_AUTH_USER=%s\n' "$(shquote "$AUTH_USER")"
    printf 'export SLIPWAY_TEST_AUTH_PASSWORD=%s\n' "$(shquote "$AUTH_PASSWORD")"
    printf 'export SLIPWAY_TEST_BASE_IMAGE=%s\n' "$(shquote "$BASE_IMAGE")"
    printf 'export SLIPWAY_TEST_BUSYBOX=%s\n' "$(shquote "$BUSYBOX")"
    [ ! -r "$STATE/ssh/env" ] || cat "$STATE/ssh/env"
    if [ "${SLIPWAY_HARNESS_NO_PODMAN:-}" != 1 ]; then
      printf 'export SLIPWAY_TEST_PODMAN_HOST=%s\n' "$(shquote "unix://$PODMAN_SOCK")"
      printf 'export SLIPWAY_TEST_PODMAN_CAN_RUN=%s\n' "$(shquote "$PODMAN_CAN_RUN")"
    fi
  } >"$f"
  mv "$f" "$STATE/env"
}

cmd_up() {
  local t0=$SECONDS
  if [ -e "$STATE" ] && [ -n "$(ls -A "$STATE" 2>/dev/null)" ]; then
    die "STATE_DIR $STATE exists and is not empty"
  fi
  mkdir -p "$STATE"
  touch "$STATE/$MARKER"
  mkdir -p "$PIDS" "$D" "$R"
  ensure_tools

  up_docker
  seed_docker_image
  up_registries
  push_seed_images
  bash "$HARNESS_DIR/sshd.sh" up "$STATE" "$DOCKER_SOCK" # ssh:// engine -> this dockerd
  if [ "${SLIPWAY_HARNESS_NO_PODMAN:-}" != 1 ]; then
    up_podman
    seed_podman_image
  fi
  write_env
  log "up complete in $((SECONDS - t0))s; env: $STATE/env"
}

# docker-up: only a dockerd (+ its containerd) with the base image, for suites that
# kill and restart their own engine. Idempotent: after `kill -9` of dockerd (or of
# both) it starts what is not running and keeps the data; `down` stops it all.
cmd_docker_up() {
  if [ ! -e "$STATE/$MARKER" ]; then
    if [ -e "$STATE" ] && [ -n "$(ls -A "$STATE" 2>/dev/null)" ]; then
      die "STATE_DIR $STATE exists and is not a harness state dir"
    fi
    mkdir -p "$STATE"
    touch "$STATE/$MARKER"
  fi
  mkdir -p "$PIDS" "$D/data" "$D/exec" "$D/containerd/root" "$D/containerd/state" "$D/containerd/opt" "$D/cli-config"
  assert_private_socket "$DOCKER_SOCK"
  assert_private_socket "$CONTAINERD_SOCK"
  SLIPWAY_HARNESS_NO_PODMAN=1 ensure_tools
  [ -n "$(recorded_pid containerd)" ] || start_containerd
  if [ -z "$(recorded_pid dockerd)" ]; then
    # A killed dockerd leaves its pidfile; while its pid is a zombie, dockerd refuses it.
    rm -f "$D/dockerd.pid"
    start_dockerd
  fi
  if ! docker_cli image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
    seed_docker_image
  fi
  {
    printf 'export SLIPWAY_TEST_DOCKER_HOST=%s\n' "$(shquote "unix://$DOCKER_SOCK")"
    printf 'export SLIPWAY_TEST_DOCKERD_PID=%s\n' "$(recorded_pid dockerd)"
    printf 'export SLIPWAY_TEST_CONTAINERD_PID=%s\n' "$(recorded_pid containerd)"
  } >"$STATE/env.tmp"
  mv "$STATE/env.tmp" "$STATE/env"
}

# --------------------------------------------------------------------------
# down

# Process names that belong to the engines (comm is truncated to 15 chars).
readonly ENGINE_COMMS=" dockerd containerd containerd-shim containerd-shim-runc-v2 docker-registry podman conmon runc docker-proxy docker-init netavark aardvark-dns slirp4netns catatonit buildah python3 sshd ssh-agent ssh "

# pids of engine processes whose command line mentions $STATE
state_procs() {
  local d pid comm cmd
  for d in /proc/[0-9]*; do
    pid=${d#/proc/}
    comm=""
    { read -r comm <"$d/comm"; } 2>/dev/null || continue
    case $ENGINE_COMMS in
    *" $comm "*) ;;
    *) continue ;;
    esac
    cmd=$({ tr '\0' ' ' <"$d/cmdline"; } 2>/dev/null) || continue
    if [ "$comm" = python3 ]; then
      case $cmd in *netns-forward.py*) ;; *) continue ;; esac
    fi
    case "$cmd " in
    *"$STATE/"* | *"$STATE "*) pid_alive "$pid" && echo "$pid" ;;
    esac
  done
}

# all descendants of the given pids (containers under shims/conmon, etc.)
descendants() {
  [ $# -gt 0 ] || return 0
  ps -e -o pid=,ppid= | awk -v roots="$*" '
    BEGIN { n = split(roots, r, " "); for (i = 1; i <= n; i++) want[r[i]] = 1 }
    { parent[$1] = $2; pids[NR] = $1 }
    END {
      changed = 1
      while (changed) {
        changed = 0
        for (i in pids) { p = pids[i]; if (!(p in want) && (parent[p] in want)) { want[p] = 1; changed = 1; print p } }
      }
    }'
}

recorded_pid() {
  local f=$PIDS/$1.pid pid
  [ -r "$f" ] || return 0
  pid=$(cat "$f" 2>/dev/null || true)
  # guard against pid reuse: must still be a process of this state dir
  if pid_alive "$pid" && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$STATE/"; then
    echo "$pid"
  fi
  return 0
}

# stop_procs TIMEOUT PID... : TERM, wait up to TIMEOUT seconds, then KILL.
stop_procs() {
  local timeout=$1 p alive i
  shift
  [ $# -gt 0 ] || return 0
  kill -TERM "$@" 2>/dev/null || true
  for ((i = 0; i < timeout * 10; i++)); do
    alive=0
    for p in "$@"; do pid_alive "$p" && alive=1; done
    [ "$alive" = 1 ] || return 0
    sleep 0.1
  done
  log "killing (SIGKILL) still running: $*"
  kill -KILL "$@" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    alive=0
    for p in "$@"; do pid_alive "$p" && alive=1; done
    [ "$alive" = 1 ] || return 0
    sleep 0.1
  done
}

# stop NAME and its whole process tree
stop_named() {
  local name=$1 timeout=$2 pid kids
  pid=$(recorded_pid "$name")
  [ -n "$pid" ] || return 0
  # shellcheck disable=SC2046
  kids=$(descendants "$pid" | tr '\n' ' ')
  log "stopping $name (pid $pid)"
  stop_procs "$timeout" "$pid"
  # shellcheck disable=SC2086
  [ -z "$kids" ] || stop_procs 3 $kids
}

state_mounts() {
  awk -v s="$STATE" '$2 == s || index($2, s "/") == 1 { print $2 }' /proc/mounts | sort -r
}

umount_all() {
  local i m mps
  for i in 1 2 3 4 5 6; do
    mps=$(state_mounts)
    [ -n "$mps" ] || return 0
    while IFS= read -r m; do
      [ -n "$m" ] || continue
      umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
    done <<<"$mps"
  done
  [ -z "$(state_mounts)" ]
}

cmd_down() {
  # Ignore Ctrl-C while tearing down so the job always finishes.
  trap '' INT
  if [ ! -e "$STATE" ]; then
    return 0
  fi
  [ -d "$STATE" ] || die "$STATE is not a directory"
  if [ ! -e "$STATE/$MARKER" ]; then
    if [ -z "$(ls -A "$STATE" 2>/dev/null)" ]; then
      rmdir "$STATE"
      return 0
    fi
    die "$STATE does not look like a harness state dir (no $MARKER); not touching it"
  fi
  find_docker_cli || DOCKER_CLI=""
  # 0. engines that suites started inside this state dir (tls-engine.sh, the fault suite's)
  for sub in "$STATE"/*/"$MARKER"; do if [ -e "$sub" ]; then bash "$HARNESS_DIR/engines.sh" down "${sub%/"$MARKER"}" || true; fi; done

  # 1. remove containers while the APIs are still up (stops their processes cleanly)
  if [ -n "$(recorded_pid podman)" ] && [ -S "$PODMAN_SOCK" ] && command -v podman >/dev/null; then
    timeout 30 podman --remote --url "unix://$PODMAN_SOCK" pod rm --all --force >/dev/null 2>&1 || true
    timeout 30 podman --remote --url "unix://$PODMAN_SOCK" rm --all --force --time 0 >/dev/null 2>&1 || true
  fi
  if [ -n "$(recorded_pid dockerd)" ] && [ -S "$DOCKER_SOCK" ] && [ -n "$DOCKER_CLI" ]; then
    local ids
    ids=$(timeout 10 "$DOCKER_CLI" -H "unix://$DOCKER_SOCK" ps -aq 2>/dev/null || true)
    if [ -n "$ids" ]; then
      # shellcheck disable=SC2086
      timeout 30 "$DOCKER_CLI" -H "unix://$DOCKER_SOCK" rm -f $ids >/dev/null 2>&1 || true
    fi
  fi

  # 2. stop daemons in order (TERM, then KILL after 10 s); sshd first, with its known_hosts line
  bash "$HARNESS_DIR/sshd.sh" down "$STATE" || log "WARNING: sshd.sh down failed"
  stop_named podman 10
  stop_named podman-netns-forward 5
  stop_named registry-open 10
  stop_named registry-auth 10
  stop_named dockerd 15
  stop_named containerd 10

  # 3. sweep: anything else still running for this state dir (shims, conmon,
  #    runc, podman cleanup processes) and their children (container processes)
  local procs kids i
  for i in 1 2 3; do
    procs=$(state_procs | tr '\n' ' ')
    [ -n "${procs// /}" ] || break
    # shellcheck disable=SC2086
    kids=$(descendants $procs | tr '\n' ' ')
    log "sweeping leftover processes: $procs $kids"
    # shellcheck disable=SC2086
    stop_procs 5 $kids $procs
  done
  procs=$(state_procs | tr '\n' ' ')
  [ -z "${procs// /}" ] || log "WARNING: processes still alive: $procs"

  # 4. unmount everything below the state dir (overlay, netns, shm, bind mounts)
  if ! umount_all; then
    log "ERROR: still mounted under $STATE:"
    state_mounts >&2
    die "not deleting $STATE while something is mounted below it"
  fi

  # 5. delete (no mounts remain, checked above)
  rm -rf --one-file-system -- "$STATE" 2>/dev/null || {
    sleep 1
    umount_all || true
    rm -rf --one-file-system -- "$STATE"
  }
  log "down complete; removed $STATE"
}

# --------------------------------------------------------------------------

[ $# -eq 2 ] || usage
set_paths "$2"
case $1 in
up) cmd_up ;;
docker-up) cmd_docker_up ;;
down) cmd_down ;;
*) usage ;;
esac
