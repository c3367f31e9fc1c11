# Shared by the bench scripts (sourced). Every figure goes into one table, printed at the end
# by `tests/bench/lib.sh print`: one row per measurement, beside its goal.
#
#   bench_row WHAT SLIPWAY REFERENCE RATIO GOAL MET
#     WHAT       what was measured ("list 5,000 images (Docker)")
#     SLIPWAY    Slipway's figure with its unit ("182 ms", "4 requests", "21 MiB")
#     REFERENCE  what it is compared with ("raw GET /images/json 160 ms; docker images 240 ms")
#     RATIO      the ratio the goal is about ("1.14× raw, 0.76× docker"), or "—"
#     GOAL       the goal as the issue states it ("≤ 1.15× raw, ≤ 0.8× docker")
#     MET        yes | no | —   (— : a figure without a goal)
: "${SLIPWAY_BENCH_TABLE:=${TMPDIR:-/tmp}/slipway-bench-table.tsv}"
export SLIPWAY_BENCH_TABLE

bench_row() {
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$6" >> "$SLIPWAY_BENCH_TABLE"
  printf '[bench] %s: %s (%s) — %s, goal %s: %s\n' "$1" "$2" "$3" "$4" "$5" "$6" >&2
}

# The table, as aligned text (Markdown, so the closing note can quote it).
bench_print() {
  printf '| what | Slipway | compared with | ratio | goal | met |\n|---|---|---|---|---|---|\n'
  # A "|" inside a figure ("docker save | docker load") would end its cell: escaped.
  awk -F'\t' '{ for (i = 1; i <= NF; i++) gsub(/\|/, "\\|", $i)
                 printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6 }' \
    "$SLIPWAY_BENCH_TABLE"
}

# Wall times of several commands, interleaved: ROUNDS rounds of hyperfine, each running every
# command RUNS times in turn (one command's runs never all come before another's), then the
# median of all of a command's runs. Prints one median per command, in milliseconds.
#
#   bench_medians ROUNDS RUNS CMD...   (each CMD one shell word: hyperfine runs it without a shell)
bench_medians() {
  local rounds=$1 runs=$2 dir r
  shift 2
  dir=$(mktemp -d /tmp/slipway-hyperfine.XXXXXX)
  for r in $(seq 1 "$rounds"); do
    hyperfine --style none --shell=none --runs "$runs" --export-json "$dir/$r.json" "$@" >/dev/null
  done
  python3 - "$dir" "$#" <<'PY'
import json, os, statistics, sys
d, n = sys.argv[1], int(sys.argv[2])
times = [[] for _ in range(n)]
for f in sorted(os.listdir(d)):
    for i, res in enumerate(json.load(open(os.path.join(d, f)))["results"]):
        times[i] += res["times"]
for t in times:
    print(f"{statistics.median(t) * 1000:.1f}")
PY
  rm -rf "$dir"
}

# 5000 -> 5,000 (the C locale's printf has no thousands separator).
bench_count() { echo "$1" | sed -e ':a' -e 's/\B[0-9]\{3\}\>/,&/' -e 'ta'; }

# a / b with two decimals ("1.07").
bench_ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

# yes when a <= b (numbers), else no.
bench_le() { awk -v a="$1" -v b="$2" 'BEGIN { print (a <= b ? "yes" : "no") }'; }

if [ "${BASH_SOURCE[0]}" = "$0" ] && [ "${1:-}" = print ]; then
  bench_print
fi
