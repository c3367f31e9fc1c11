#!/usr/bin/env bash
# Bench, the app lines (issue 12): in the real window (tests/e2e/run.sh --bench), with COUNT
# images already in the harness's Docker engine (and, at 1,000, in Podman):
#   - launch → painted grid of Slipway vs launch → first paint of an empty Tauri 2 app
#     (tests/bench/empty-app), interleaved runs, medians;
#   - idle PSS of each one's whole process tree (WebKit processes included);
#   - requests from launch until quiet and per external tag event (request-counter's log);
#   - filter keystroke → repaint (at the largest count, 10,000 rows when the engine has them);
#   - on Podman at the same count: launch, requests until quiet and per tag event.
# Usage (inside tests/harness/with-engines.sh; tests/bench/run.sh calls it):
#   tests/bench/app.sh COUNT
#   SLIPWAY_BENCH_PROFILE   cargo profile of the binaries (release; `dev` = target/debug)
#   SLIPWAY_BENCH_APP_RUNS  launches of each app (3)
#   SLIPWAY_BENCH_PODMAN_RUNS  launches on Podman (1: each waits ~30 s for Podman's own list)
#   SLIPWAY_BENCH_STATE     a directory: the empty app's medians are kept there and reused by
#                           the next call (its launch does not depend on the engine's images)
#   SLIPWAY_BENCH_APP_SEED=1  seed the engines up to COUNT images first (standalone runs)
# Rows go into the bench table (tests/bench/lib.sh); a missed goal is a "no" row, not a failure.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${SLIPWAY_TEST_DOCKER_HOST:?run me through tests/harness/with-engines.sh (make bench)}"
# shellcheck source=tests/bench/lib.sh
source tests/bench/lib.sh
count=${1:?usage: tests/bench/app.sh COUNT}
profile=${SLIPWAY_BENCH_PROFILE:-release}
dir=target/$([ "$profile" = dev ] && echo debug || echo "$profile")
runs=${SLIPWAY_BENCH_APP_RUNS:-3}
app=$PWD/$dir/slipway empty=$PWD/$dir/slipway-empty-app counter=$PWD/$dir/request-counter
for b in "$app" "$empty" "$counter"; do
  [ -x "$b" ] || { echo "app.sh: $b is missing: cargo build --profile $profile --bins -p slipway -p slipway-empty-app -p slipway-request-counter" >&2; exit 1; }
done
export SLIPWAY_BENCH_DRIVER=${SLIPWAY_BENCH_DRIVER:-$PWD/target/debug/startup-bench}
[ -x "$SLIPWAY_BENCH_DRIVER" ] || { echo "app.sh: the window driver $SLIPWAY_BENCH_DRIVER is missing: cargo test -p slipway-e2e --no-run" >&2; exit 1; }
# The engine under test by address (run.sh points SLIPWAY_TEST_DOCKER_HOST at its second
# dockerd for the 5,000 lines; DOCKER_HOST stays the harness's first one).
docker_cli() { "$SLIPWAY_TEST_DOCKER_CLI" -H "$SLIPWAY_TEST_DOCKER_HOST" "$@"; }
podman_cli() { podman --remote --url "$SLIPWAY_TEST_PODMAN_HOST" "$@"; }
fmt() { printf "%'d" "$1"; }
n=$(fmt "$count")
work=$(mktemp -d "${TMPDIR:-/tmp}/slipway-bench-app.XXXXXX")
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

# Standalone runs seed the engines themselves (run.sh seeds once for every part).
seed() { # seed CLI... ; tops the engine up to $count images named bench/img*
  local have
  have=$("$@" images -q | sort -u | wc -l)
  if [ "$have" -lt "$count" ]; then
    python3 tests/bench/seed-archive.py $((count - have)) bench "$work/seed.tar" "$have" 2
    "$@" load -q -i "$work/seed.tar" >/dev/null
    rm -f "$work/seed.tar"
  fi
}
if [ "${SLIPWAY_BENCH_APP_SEED:-}" = 1 ]; then
  seed docker_cli
  [ -n "${SLIPWAY_TEST_PODMAN_HOST:-}" ] && [ "$count" -le 1000 ] && seed podman_cli
fi

# A request-counter in front of an engine: start_counter NAME UPSTREAM_URL → proxy socket.
start_counter() {
  "$counter" --listen "$work/$1.sock" --upstream "${2#unix://}" --log "$work/$1.log" \
    >"$work/$1.counter.out" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 100); do [ -S "$work/$1.sock" ] && return 0; sleep 0.05; done
  echo "app.sh: request-counter for $1 did not start" >&2
  cat "$work/$1.counter.out" >&2
  exit 1
}

# One run in the window: bench_run OUT ARGS... (BENCH key=value lines land in OUT).
bench_run() {
  local out=$1
  shift
  bash tests/e2e/run.sh --bench "$@" | tee "$out" >&2
}
val() { sed -n "s/^BENCH $2=//p" "$1" | tail -1; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR ? a[int((NR+1)/2)] : "")}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "nan" }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "nan" && a <= b) }' && echo yes || echo no; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }

start_counter docker "$SLIPWAY_TEST_DOCKER_HOST"
docker_rows=$(docker_cli images -q | wc -l)
docker_images=$(docker_cli images -q | sort -u | wc -l)
echo "app.sh: Docker has $docker_images images ($docker_rows tags); Slipway from $app" >&2
# A tag from outside for the per-event lines: an image that is in the engine. (sed reads the
# whole list: with head, the CLI could die of SIGPIPE and end the script under pipefail.)
some=$(docker_cli images -q | sed -n 1p)

# Interleaved launches: empty app, Slipway, empty app, Slipway, ... (last Slipway run also
# counts requests and, when there are 10,000 rows, measures keystrokes).
keys=0
[ "$docker_rows" -ge 10000 ] && keys=${SLIPWAY_BENCH_KEYSTROKES:-5}
empty_kept=${SLIPWAY_BENCH_STATE:+$SLIPWAY_BENCH_STATE/empty-app}
for i in $(seq 1 "$runs"); do
  [ -n "$empty_kept" ] && [ -s "$empty_kept" ] || bench_run "$work/empty.$i" --app "$empty" --idle 8
  extra=()
  if [ "$i" = "$runs" ]; then
    extra=(--requests "$work/docker.log" --tag-events 3
      --tag-cmd "$SLIPWAY_TEST_DOCKER_CLI -H $SLIPWAY_TEST_DOCKER_HOST tag $some bench-event/docker:{n}" --keystrokes "$keys")
  fi
  bench_run "$work/slipway.$i" --app "$app" --host "unix://$work/docker.sock" --idle 8 "${extra[@]}"
done
collect() { for i in $(seq 1 "$runs"); do val "$work/$1.$i" "$2"; done | median; }
if [ -n "$empty_kept" ] && [ -s "$empty_kept" ]; then
  read -r e_ms e_pss <"$empty_kept"
else
  e_ms=$(collect empty launch_ms) e_pss=$(collect empty pss_kib)
  [ -z "$empty_kept" ] || echo "$e_ms $e_pss" >"$empty_kept"
fi
s_ms=$(collect slipway launch_ms) s_pss=$(collect slipway pss_kib)
s_rows=$(val "$work/slipway.$runs" rows)
last=$work/slipway.$runs
bench_row "app launch → painted grid, $n images (Docker)" "${s_ms} ms ($s_rows rows)" \
  "empty Tauri 2 app → first paint ${e_ms} ms" "$(ratio "$s_ms" "$e_ms")× empty app" "≤ 1000 ms" \
  "$(le "$s_ms" 1000)"
bench_row "app idle PSS of the process tree, $n images (Docker)" "$(mib "$s_pss")" \
  "empty Tauri 2 app $(mib "$e_pss")" "$(ratio "$s_pss" "$e_pss")× empty app" "≤ 1.15× empty app" \
  "$(le "$(ratio "$s_pss" "$e_pss")" 1.15)"
q=$(val "$last" requests_launch) t=$(val "$last" requests_tag_max)
bench_row "app requests from launch until quiet, $n images (Docker)" "$q requests" "—" "—" "≤ 10" "$(le "$q" 10)"
bench_row "app requests per external tag event, $n images (Docker)" "$t requests (worst of 3)" "—" "—" "≤ 3" "$(le "$t" 3)"
if [ "$keys" -gt 0 ]; then
  k=$(val "$last" keystroke_ms)
  bench_row "filter keystroke → repaint, $(fmt "$s_rows") rows" "${k} ms (median of $((keys * 2)))" "—" "—" "≤ 50 ms" "$(le "$k" 50)"
fi
echo "$s_ms" >"${TMPDIR:-/tmp}/slipway-bench-launch-docker-$count.ms"

# Podman at the same count (seeded with 1,000 only): launch vs Docker's, requests.
if [ -n "${SLIPWAY_TEST_PODMAN_HOST:-}" ] && [ "$(podman_cli images -q | sort -u | wc -l)" -ge "$count" ]; then
  start_counter podman "$SLIPWAY_TEST_PODMAN_HOST"
  some=$(podman_cli images -q | sed -n 1p)
  pruns=${SLIPWAY_BENCH_PODMAN_RUNS:-1}
  for i in $(seq 1 "$pruns"); do
    extra=()
    if [ "$i" = "$pruns" ]; then
      extra=(--requests "$work/podman.log" --quiet "${SLIPWAY_BENCH_PODMAN_QUIET:-15}" --tag-events "${SLIPWAY_BENCH_PODMAN_TAG_EVENTS:-1}"
        --tag-cmd "podman --remote --url $SLIPWAY_TEST_PODMAN_HOST tag $some localhost/bench-event/podman:{n}")
    fi
    bench_run "$work/podman.$i" --app "$app" --host "unix://$work/podman.sock" --idle 0 "${extra[@]}"
  done
  p_ms=$(for i in $(seq 1 "$pruns"); do val "$work/podman.$i" launch_ms; done | median)
  last=$work/podman.$pruns
  bench_row "app launch → painted grid, $n images (Podman)" "${p_ms} ms ($(val "$last" rows) rows)" \
    "Docker, same count: ${s_ms} ms ($pruns run on Podman)" "$(ratio "$p_ms" "$s_ms")× Docker" "≤ 1.5× Docker" \
    "$(le "$(ratio "$p_ms" "$s_ms")" 1.5)"
  q=$(val "$last" requests_launch) t=$(val "$last" requests_tag_max)
  bench_row "app requests from launch until quiet, $n images (Podman)" "$q requests" "—" "—" "≤ 10" "$(le "$q" 10)"
  bench_row "app requests per external tag event, $n images (Podman)" "$t requests (worst of ${SLIPWAY_BENCH_PODMAN_TAG_EVENTS:-1})" "—" "—" "≤ 3" "$(le "$t" 3)"
else
  echo "app.sh: Podman is not in this harness session or has fewer than $count images: no Podman app lines" >&2
fi
