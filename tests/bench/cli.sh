#!/usr/bin/env bash
# Bench: the CLI's list, df, prune preview and per-image unique sizes on an engine full of
# images, beside the raw `GET /images/json` (curl) and the engine's own CLI, each with the
# number of engine requests it makes (counted by request-counter in front of the socket).
#
#   tests/bench/cli.sh count ENGINE     only count requests, kept for a later `measure`
#   tests/bench/cli.sh measure ENGINE   times (hyperfine, interleaved, medians) + counts -> rows
#
# ENGINE: docker | podman. `count` at a smaller size first lets `measure` show whether the
# requests grow with the number of images (the goal: O(1)). Run through the harness (run.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/bench/lib.sh
mode=$1 engine=$2
: "${SLIPWAY_TEST_DOCKER_HOST:?run me through tests/harness/with-engines.sh (make bench)}"
cli=${SLIPWAY_CLI:-$PWD/target/release/slipway-cli}
counter=${SLIPWAY_COUNTER:-$PWD/target/release/request-counter}
state=${SLIPWAY_BENCH_STATE:-${TMPDIR:-/tmp}/slipway-bench-state}
mkdir -p "$state"
case $engine in
  docker) host=$SLIPWAY_TEST_DOCKER_HOST name=Docker ;;
  podman) host=${SLIPWAY_TEST_PODMAN_HOST:?no Podman in this harness session} name=Podman ;;
  *) echo "cli.sh: docker or podman, not $engine" >&2; exit 2 ;;
esac
sock=${host#unix://}
work=$(mktemp -d /tmp/slipway-bench-cli.XXXXXX)
# The CLI's own config (pins) stays private to the bench.
export SLIPWAY_CONFIG_DIR=$work/config
"$counter" --listen "$work/proxy.sock" --upstream "$sock" --log "$work/requests.log" &
counter_pid=$!
trap 'kill "$counter_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 50); do [ -S "$work/proxy.sock" ] && break; sleep 0.1; done

# The engine's own CLI, pointed at HOST.
engine_cli() {
  if [ "$engine" = docker ]; then
    echo "$SLIPWAY_TEST_DOCKER_CLI -H $1"
  else
    echo "podman --remote --url $1"
  fi
}

# The engine's own df answer, what unique sizes cost at the engine itself (Podman's is its
# libpod endpoint, which answers only under a versioned path: its compat /system/df is wrong).
df_path=$([ "$engine" = docker ] && echo /system/df || echo /v4.0.0/libpod/system/df)
# Each figure: a key and its command, with @HOST@ where the engine's address goes.
keys=(raw rawdf ls native df prune usage)
declare -A cmd=(
  [raw]="curl -sf --unix-socket @SOCK@ -o /dev/null http://localhost/images/json"
  [rawdf]="curl -sf --unix-socket @SOCK@ -o /dev/null http://localhost$df_path"
  [ls]="$cli --host @HOST@ --json images ls"
  [native]="$(engine_cli @HOST@) images"
  [df]="$cli --host @HOST@ --json df"
  [prune]="$cli --host @HOST@ --json images prune --dry-run --all"
  [usage]="$cli --host @HOST@ --json df --verbose"
)
# Per-image unique sizes need a CLI command that prints them (`df --verbose`); without it
# the row says so instead of measuring something else.
if ! "$cli" df --help 2>/dev/null | grep -q -- '--verbose'; then
  keys=(raw rawdf ls native df prune)
fi
at() {
  local c=${cmd[$1]//@HOST@/$2}
  echo "${c//@SOCK@/${2#unix://}}"
}

images=$($(engine_cli "$host") images -q --no-trunc | sort -u | wc -l)

# Requests one run of each command makes, through the counter. Also checks each succeeds,
# and its time (the counter adds little) sets the number of timed runs below.
declare -A requests pilot
slowest=0
for k in "${keys[@]}"; do
  : >"$work/requests.log"
  s=$(date +%s%N)
  # shellcheck disable=SC2046 # the command is one line of words
  $(at "$k" "unix://$work/proxy.sock") >/dev/null || {
    echo "cli.sh: failed: $(at "$k" "$host")" >&2
    exit 1
  }
  took=$((($(date +%s%N) - s) / 1000000))
  [ "$took" -le "$slowest" ] || slowest=$took
  pilot[$k]=$took
  sleep 0.2 # the counter writes a request's line when it has forwarded the answer
  requests[$k]=$(wc -l <"$work/requests.log")
  [ "$mode" != count ] || echo "$images ${requests[$k]}" >"$state/requests-$engine-$k-first"
done
echo "cli.sh: $name, $images images: requests $(for k in "${keys[@]}"; do printf '%s=%s ' "$k" "${requests[$k]}"; done)" >&2
[ "$mode" = measure ] || exit 0

# About a minute per command at most. When one takes 10 s or more, the counted run is the
# figure (one run each, through the counter, whose cost grows with the requests made).
declare -A ms
if [ "$slowest" -ge 10000 ]; then
  runs_note="1 run each, through the counter"
  for k in "${keys[@]}"; do ms[$k]=${pilot[$k]}; done
else
  # Runs of a few hundred ms vary by ±12 % here: 3 runs once put the list at 1.36× raw,
  # 10 runs of the same two binaries at 1.00×. Enough runs that the median holds.
  if [ "$slowest" -lt 2000 ]; then rounds=5 runs=3; elif [ "$slowest" -lt 5000 ]; then rounds=9 runs=1; else rounds=3 runs=1; fi
  runs_note="$((rounds * runs)) interleaved runs each, medians"
  commands=()
  for k in "${keys[@]}"; do commands+=("$(at "$k" "$host")"); done
  mapfile -t medians < <(bench_medians "$rounds" "$runs" "${commands[@]}")
  for i in "${!keys[@]}"; do ms[${keys[$i]}]=${medians[$i]}; done
fi
echo "cli.sh: $name, $images images, $runs_note: $(for k in "${keys[@]}"; do printf '%s=%s ms ' "$k" "${ms[$k]}"; done)" >&2

n=$(bench_count "$images")
raw="raw GET /images/json ${ms[raw]} ms (${requests[raw]} request; $runs_note)"
native_name=$([ "$engine" = docker ] && echo "docker images" || echo "podman images")
native="$native_name ${ms[native]} ms (${requests[native]} requests)"
r_raw=$(bench_ratio "${ms[ls]}" "${ms[raw]}")
r_native=$(bench_ratio "${ms[ls]}" "${ms[native]}")
if [ "$engine" = docker ]; then
  met=$([ "$(bench_le "$r_raw" 1.15)" = yes ] && [ "$(bench_le "$r_native" 0.8)" = yes ] && echo yes || echo no)
  goal="≤ 1.15× raw, ≤ 0.8× docker images"
else
  met=— goal="— (goal set on Docker)"
fi
bench_row "list, $n images ($name): slipway-cli --json images ls" "${ms[ls]} ms, ${requests[ls]} requests" \
  "$raw; $native" "${r_raw}× raw, ${r_native}× $native_name" "$goal" "$met"

# "N requests (M at K images)": the same command's count at the smaller size, if counted.
growth() {
  local first=$state/requests-$engine-$1-first
  if [ -r "$first" ]; then
    read -r fi fr <"$first"
    [ "$fi" != "$images" ] && echo "$fr at $(bench_count "$fi") images" && return
  fi
  echo "not counted at another size"
}
o1() {
  local first=$state/requests-$engine-$1-first fi fr
  [ -r "$first" ] || { echo no; return; }
  read -r fi fr <"$first"
  [ "$fi" != "$images" ] && [ "$fr" = "${requests[$1]}" ] && echo yes || echo no
}
line() { # key, what, goal?
  local k=$1 what=$2 r
  r=$(bench_ratio "${ms[$k]}" "${ms[raw]}")
  local met=— goal="— (figure only)"
  if [ "${3:-}" = goal ]; then
    goal="≤ 2× raw list, O(1) requests"
    met=$([ "$(bench_le "$r" 2)" = yes ] && [ "$(o1 "$k")" = yes ] && echo yes || echo no)
  fi
  bench_row "$what, $n images ($name)" "${ms[$k]} ms, ${requests[$k]} requests ($(growth "$k"))" \
    "$raw" "${r}× raw list" "$goal" "$met"
}
bench_row "the engine's own df, $n images ($name): raw GET $df_path" "${ms[rawdf]} ms, ${requests[rawdf]} request" \
  "$raw" "$(bench_ratio "${ms[rawdf]}" "${ms[raw]}")× raw list" "— (reference: what unique sizes cost the engine)" —
line df df ""
line prune "prune preview (images prune --dry-run --all)" goal
if [ -n "${ms[usage]:-}" ]; then
  line usage "unique sizes (df --verbose)" goal
else
  bench_row "unique sizes, $n images ($name)" "not measured: slipway-cli has no command printing per-image unique sizes (df --verbose)" \
    "$raw" "—" "≤ 2× raw list, O(1) requests" no
fi
