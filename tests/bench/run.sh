#!/usr/bin/env bash
# The bench suite (`make bench`): every figure of issue 12 beside its goal, in one table.
# Runs inside ONE harness session with Podman:
#
#   bash tests/harness/with-engines.sh bash tests/bench/run.sh
#
# It builds the release binaries itself (one cargo run) while the engines are seeded in the
# background: the harness's dockerd with 1,000 images (CLI request counts, the app at 1,000),
# a second dockerd with 5,000 (CLI lines, the app at 5,000), Podman with 100 (request counts
# at a small size, with the debug CLI), then 1,000. No time is taken before the builds and
# the seeding are done. Every image has 2 tags (5,000 images =
# 10,000 rows). Then the transfer lines. A part that fails becomes a "FAILED" row and the
# rest still runs; a missed goal is a "no" row. Exits 0 once the table is printed.
#
#   SLIPWAY_CLI, SLIPWAY_COUNTER   binaries (default: target/release/…)
#   SLIPWAY_BENCH_PARTS            parts to run (default: "cli app transfer copy")
#   SLIPWAY_BENCH_STARTED          when make bench began building (epoch s): a row for the whole run
set -uo pipefail
cd "$(dirname "$0")/../.."
: "${SLIPWAY_TEST_DOCKER_HOST:?run me through tests/harness/with-engines.sh (make bench)}"
SLIPWAY_BENCH_TABLE=$(mktemp /tmp/slipway-bench-table.XXXXXX)
SLIPWAY_BENCH_STATE=$(mktemp -d /tmp/slipway-bench-state.XXXXXX)
# Tags per seeded image, for app.sh's row count (images × names).
export SLIPWAY_BENCH_TABLE SLIPWAY_BENCH_STATE SLIPWAY_BENCH_NAMES=2
. tests/bench/lib.sh
trap 'rm -rf "$SLIPWAY_BENCH_STATE"' EXIT
parts=" ${SLIPWAY_BENCH_PARTS:-cli app transfer copy} "
wants() { [[ $parts == *" $1 "* ]]; }
begin=$(date +%s)

# Runs a part (its label, then its command); a failure is a row, not the end of the run.
part() {
  local label=$1 s rc=0
  shift
  s=$(date +%s)
  echo "== $label" >&2
  "$@" || rc=$?
  echo "== $label: $(($(date +%s) - s)) s$([ $rc = 0 ] || echo ", FAILED (exit $rc)")" >&2
  [ $rc = 0 ] || bench_row "$label" "FAILED (exit $rc, see the log)" "—" "—" "—" no
  return 0
}
# The app lines, at the number of Docker images there is now.
app() { part "app lines at $1 images" bash tests/bench/app.sh "$1"; }
podman=${SLIPWAY_TEST_PODMAN_HOST:+yes}
[ -n "$podman" ] || bench_row "Podman lines" "not measured: no Podman in this harness session" \
  "—" "—" "—" no

# Seeding runs in the background while the binaries build (the builds take no figure; the
# request counts taken meanwhile are counts, not times). Its log lines go to the same stderr.
seeding=()
seed_bg() { part "$1" "${@:2}" & seeding+=($!); }
wait_seeding() { for p in "${seeding[@]}"; do wait "$p"; done; seeding=(); }

if wants cli || wants app; then
  # A second dockerd for the 5,000-image lines, seeded while the 1,000 lines use the first.
  big=$(mktemp -d "${SLIPWAY_HARNESS_PARENT:-/tmp}/sw-big.XXXXXX")
  trap 'bash tests/harness/engines.sh down "$big" >/dev/null 2>&1; rm -rf "$SLIPWAY_BENCH_STATE"' EXIT
  part "a second dockerd for the 5,000-image lines" bash tests/harness/engines.sh docker-up "$big"
  big_host=unix://$big/docker/docker.sock
  seed_bg "seed Docker with 1,000 images" bash tests/bench/seed.sh docker 1000 2
  seed_bg "seed the second Docker with 5,000 images" env SLIPWAY_BENCH_DOCKER_HOST="$big_host" \
    bash tests/bench/seed.sh docker 5000 2
  [ -z "$podman" ] || part "seed Podman with 100 images" bash tests/bench/seed.sh podman 100 2
fi
# Request counts do not depend on the build profile: Podman's count at 100 images is taken
# with the debug CLI (make test's build, fresh after it), so Podman fills up to 1,000 while
# the release binaries build.
if [ -n "$podman" ] && { wants cli || wants app; }; then
  if wants cli; then
    part "debug CLI for request counts" cargo build --locked -p slipway-cli -p slipway-request-counter
    part "CLI requests, Podman 100 images" env SLIPWAY_CLI="$PWD/target/debug/slipway-cli" \
      SLIPWAY_COUNTER="$PWD/target/debug/request-counter" bash tests/bench/cli.sh count podman
  fi
  seed_bg "seed Podman with 1,000 images" bash tests/bench/seed.sh podman 1000 2
fi
# Every measured release binary in ONE cargo run: built in separate runs, each run's own
# feature set rebuilt 332 shared crates (259 CPU-s on 2 cores). The bench measures these
# binaries; a failed build ends it.
packages=(-p slipway-cli -p slipway-request-counter)
! wants app || packages+=(-p slipway -p slipway-empty-app)
# The window driver (startup-bench) is a WebDriver client that polls every 20 ms: it takes
# no figure of its own, so it is make test's debug build (`make e2e` builds it; the same
# command here is a no-op after make test). Built in release it cost the bench its own
# crates (fantoccini, the engine-test helpers) for nothing it measures.
! wants app || part "window driver (debug, make test's build)" cargo test --locked -p slipway-e2e --no-run
built_at=$(date +%s)
echo "== release build: ${packages[*]}" >&2
cargo build --release --locked --bins "${packages[@]}" || { echo "run.sh: the release build failed" >&2; exit 1; }
echo "== release build: $(($(date +%s) - built_at)) s" >&2
part "waiting for the seeding" wait_seeding
if wants cli || wants app; then
  ! wants cli || part "CLI requests, Docker 1,000 images" bash tests/bench/cli.sh count docker
  ! wants app || app 1000
  [ -z "$podman" ] || ! wants cli || part "CLI lines, Podman 1,000 images" bash tests/bench/cli.sh measure podman
  ! wants cli || part "CLI lines, Docker 5,000 images" env SLIPWAY_TEST_DOCKER_HOST="$big_host" \
    bash tests/bench/cli.sh measure docker
  ! wants app || SLIPWAY_TEST_DOCKER_HOST=$big_host app 5000
  bash tests/harness/engines.sh down "$big" >/dev/null 2>&1 || true
fi
! wants transfer || part "transfer lines" bash tests/bench/transfer.sh
! wants copy || part "copy between engines" bash tests/bench/copy-rss.sh

bench_row "whole bench run (release builds and seeding included)" "$(($(date +%s) - begin)) s" "—" "—" "≤ 20 min (1,200 s)" \
  "$(bench_le $(($(date +%s) - begin)) 1200)"
# make bench says when it began building (after the installs): the whole run, builds included.
if [ -n "${SLIPWAY_BENCH_STARTED:-}" ]; then
  total=$(($(date +%s) - SLIPWAY_BENCH_STARTED))
  bench_row "make bench (UI build, engines' start, release builds included; installs excluded)" "$total s" "—" "—" "≤ 20 min (1,200 s)" \
    "$(bench_le "$total" 1200)"
fi
echo
bash tests/bench/lib.sh print
cp "$SLIPWAY_BENCH_TABLE" target/bench-table.tsv 2>/dev/null || true
bash tests/bench/lib.sh print >target/bench-table.md 2>/dev/null || true
rm -f "$SLIPWAY_BENCH_TABLE"
exit 0
