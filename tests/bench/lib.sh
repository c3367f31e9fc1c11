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
  awk -F'\t' '{ printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6 }' \
    "$SLIPWAY_BENCH_TABLE"
}

if [ "${BASH_SOURCE[0]}" = "$0" ] && [ "${1:-}" = print ]; then
  bench_print
fi
