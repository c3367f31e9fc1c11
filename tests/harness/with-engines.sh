#!/usr/bin/env bash
# Run a command against a private, throw-away engine setup.
#
#   tests/harness/with-engines.sh CMD [ARGS...]
#
# Creates /tmp/sw.XXXXXX, runs `engines.sh up` on it, exports the SLIPWAY_TEST_*
# variables from its env file plus DOCKER_HOST (= the private dockerd socket) and
# DOCKER_CONFIG (= a private, empty docker client config) for CMD only, runs CMD
# and exits with its status. Everything is torn down on exit, failure, Ctrl-C
# or SIGTERM (`engines.sh down`).
#
#   SLIPWAY_KEEP_ENGINES=1      keep the engines running afterwards and print how
#                               to use and stop them (for debugging)
#   SLIPWAY_HARNESS_NO_PODMAN=1 skip podman (faster)
#   SLIPWAY_HARNESS_PARENT=DIR  make the state dir there instead of /tmp (the bench: a tmpfs)

set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ENGINES=$HERE/engines.sh

if [ $# -eq 0 ]; then
  echo "usage: $0 CMD [ARGS...]" >&2
  exit 2
fi

# Never use the caller's engine configuration, neither here nor in CMD.
unset DOCKER_HOST DOCKER_CONTEXT DOCKER_TLS_VERIFY DOCKER_CERT_PATH
unset CONTAINER_HOST CONTAINER_CONNECTION CONTAINER_SSHKEY

STATE=$(mktemp -d "${SLIPWAY_HARNESS_PARENT:-/tmp}/sw.XXXXXX") || {
  echo "with-engines: mktemp failed" >&2
  exit 1
}

# shellcheck disable=SC2317 # functions below are only called from traps
keep() { [ "${SLIPWAY_KEEP_ENGINES:-}" = 1 ]; }

# shellcheck disable=SC2317
cleanup() {
  local rc=$?
  trap - EXIT
  # Ctrl-C / TERM while tearing down must not leave half of it behind.
  trap '' INT TERM HUP
  if keep; then
    {
      echo "with-engines: SLIPWAY_KEEP_ENGINES=1 -> engines left running"
      echo "  state dir: $STATE"
      if [ -r "$STATE/env" ]; then
        echo "  env (source it):  . $STATE/env"
        sed 's/^/    /' "$STATE/env"
      fi
      echo "  stop with: bash $ENGINES down $STATE"
    } >&2
  else
    [ -z "${WATCHDOG:-}" ] || kill "$WATCHDOG" 2>/dev/null
    bash "$ENGINES" down "$STATE" || {
      echo "with-engines: teardown of $STATE FAILED" >&2
      [ "$rc" != 0 ] || rc=1
    }
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

if ! bash "$ENGINES" up "$STATE"; then
  echo "with-engines: engines.sh up failed" >&2
  exit 1
fi

# shellcheck source=/dev/null
. "$STATE/env"

# If this wrapper is SIGKILLed (no trap runs: e.g. WebDriver ending a session started through
# tests/harness/run-app.sh), a watchdog in its own session still tears the engines down.
if ! keep; then
  WRAPPER=$$
  setsid bash -c '
    while kill -0 "$1" 2>/dev/null; do sleep 1; done
    [ -d "$2" ] && exec bash "$3" down "$2"
  ' watchdog "$WRAPPER" "$STATE" "$ENGINES" </dev/null >/dev/null 2>&1 &
  WATCHDOG=$!
fi

case ${SLIPWAY_TEST_DOCKER_HOST:-} in
unix:///var/run/docker.sock | unix:///run/docker.sock | "")
  echo "with-engines: refusing DOCKER_HOST='${SLIPWAY_TEST_DOCKER_HOST:-}'" >&2
  exit 1
  ;;
esac

# Run CMD as a child we wait for (not exec: the EXIT trap must run afterwards).
# It runs in the background + `wait` so that a SIGTERM sent to this wrapper is
# handled at once (forwarded to CMD) instead of after CMD finishes; stdin is
# passed through explicitly (a background job would otherwise get /dev/null).
# Ctrl-C in a terminal reaches CMD directly (same process group).
exec 3<&0
(
  export DOCKER_HOST=$SLIPWAY_TEST_DOCKER_HOST
  export DOCKER_CONFIG=$SLIPWAY_TEST_DOCKER_CONFIG
  exec "$@" <&3 3<&-
) &
CHILD=$!
exec 3<&-

# shellcheck disable=SC2317
on_signal() {
  local sig=$1 code=$2
  trap '' INT TERM HUP
  kill -"$sig" "$CHILD" 2>/dev/null || true
  # give CMD up to 15 s to exit, then SIGKILL it
  local i
  for ((i = 0; i < 150; i++)); do
    kill -0 "$CHILD" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$CHILD" 2>/dev/null || true
  wait "$CHILD" 2>/dev/null
  exit "$code"
}
trap 'on_signal INT 130' INT
trap 'on_signal TERM 143' TERM
trap 'on_signal HUP 129' HUP

wait "$CHILD"
exit $?
