#!/usr/bin/env bash
# Run the real-window suite: Xvfb and tauri-driver (each in its own process group, so the
# whole group — WebKitWebDriver included — goes at teardown), then `cargo test -p slipway-e2e`.
# Needs the private engines: run it through tests/harness/with-engines.sh (make test does).
#   SLIPWAY_APP_BIN    the app binary (default target/debug/slipway)
#   SLIPWAY_ARTIFACTS  where screenshots go (default target/e2e-artifacts)
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${SLIPWAY_TEST_DOCKER_HOST:?run me through tests/harness/with-engines.sh}"
export SLIPWAY_APP_BIN=${SLIPWAY_APP_BIN:-$PWD/target/debug/slipway}
export SLIPWAY_ARTIFACTS=${SLIPWAY_ARTIFACTS:-$PWD/target/e2e-artifacts}
mkdir -p "$SLIPWAY_ARTIFACTS"
DISP=${SLIPWAY_E2E_DISPLAY:-:97}
export DISPLAY=$DISP
# The app keeps its settings in a throw-away home, never in the user's.
APP_HOME=$(mktemp -d /tmp/slipway-e2e-home.XXXXXX)
export XDG_CONFIG_HOME=$APP_HOME/config XDG_DATA_HOME=$APP_HOME/data XDG_CACHE_HOME=$APP_HOME/cache
# The app lists every engine it finds: never the system's sockets (the private engines are
# given with --host; DOCKER_HOST and DOCKER_CONFIG are the harness's).
export SLIPWAY_SYSTEM_SOCKETS=
# No GPU settings: WebKit renders with Mesa in software under Xvfb by itself, and with
# WEBKIT_DISABLE_DMABUF_RENDERER or WEBKIT_DISABLE_COMPOSITING_MODE set, screenshots hang.
unset WEBKIT_DISABLE_DMABUF_RENDERER WEBKIT_DISABLE_COMPOSITING_MODE

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() {
  for _ in $(seq 1 150); do port_open "$1" && return 0; sleep 0.1; done
  echo "e2e: port $1 never opened" >&2
  return 1
}

XVFB_PID='' DRIVER_PID=''
teardown() {
  set +e
  for pid in $DRIVER_PID $XVFB_PID; do kill -TERM -- "-$pid" 2>/dev/null; done
  for _ in $(seq 1 50); do
    alive=0
    for pid in $DRIVER_PID $XVFB_PID; do pgrep -g "$pid" >/dev/null 2>&1 && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.1
  done
  for pid in $DRIVER_PID $XVFB_PID; do kill -KILL -- "-$pid" 2>/dev/null; done
  rm -rf "$APP_HOME"
}
trap teardown EXIT

for p in 4444 4445; do
  if port_open $p; then echo "e2e: port $p is busy (a leftover WebDriver?)" >&2; exit 1; fi
done
setsid Xvfb "$DISP" -screen 0 1600x1200x24 -nolisten tcp >"$SLIPWAY_ARTIFACTS/xvfb.log" 2>&1 &
XVFB_PID=$!
# Ready when it answers, not when its socket exists; on a loaded machine that took over 5 s.
for _ in $(seq 1 300); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done
if ! xdpyinfo >/dev/null 2>&1; then
  echo "e2e: Xvfb on $DISP did not answer within 30 s:" >&2
  cat "$SLIPWAY_ARTIFACTS/xvfb.log" >&2
  exit 1
fi
setsid tauri-driver --native-driver /usr/bin/WebKitWebDriver >"$SLIPWAY_ARTIFACTS/tauri-driver.log" 2>&1 &
DRIVER_PID=$!
wait_port 4444
wait_port 4445
# fantoccini has no per-command timeout: bound the whole run instead.
if [ "${1:-}" = --bench ]; then
  # The app lines of make bench (tests/bench/app.sh): startup-bench ARGS, the debug build
  # `cargo test -p slipway-e2e --no-run` leaves (a `cargo run` here would rebuild its
  # dependencies with its own features); the apps it starts are app.sh's release builds.
  shift
  timeout -k 10 600 "${SLIPWAY_BENCH_DRIVER:-target/debug/startup-bench}" "$@"
else
  timeout -k 10 900 cargo test --locked -p slipway-e2e -- --test-threads=1 "$@"
fi
