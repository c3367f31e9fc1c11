#!/usr/bin/env bash
# Run every cargo-fuzz target in fuzz/ for a bounded time, starting from its checked-in seeds
# (fuzz/seeds/<target>/), and print one "test result:" line per target for tests/summary.sh.
# A crash (a failed invariant or a panic) fails the run and prints the reproducer.
#
#   FUZZ_SECONDS=30   time per target (make test's default)
#
# The machine has only a stable toolchain: RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass its
# nightly-only flags. Built without optimisation and without AddressSanitizer (the core has
# no unsafe code; overflow checks stay on), so the whole stage stays within a few minutes.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT/fuzz" || exit 1
export RUSTC_BOOTSTRAP=1
EACH=${FUZZ_SECONDS:-30}
FLAGS=(--dev --sanitizer none --target-dir "$ROOT/target/fuzz")

result() { # passed failed what
  echo "test result: $([ "$2" = 0 ] && echo ok || echo FAILED). $1 passed; $2 failed; 0 ignored; 0 measured; 0 filtered out; $3"
}

started=$(date +%s)
if ! cargo fuzz build "${FLAGS[@]}"; then
  result 0 1 "the fuzz targets did not build"
  exit 1
fi
echo "fuzz: targets built in $(($(date +%s) - started)) s"

work=$(mktemp -d /tmp/slipway-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT

# One target for EACH seconds; its report goes to $work/<target>.out.
fuzz_one() {
  local target=$1 log=$work/$1.log out=$work/$1.out
  mkdir -p "$work/corpus-$target"
  # The first folder takes what the run finds; the seeds are only read.
  if cargo fuzz run "${FLAGS[@]}" "$target" "$work/corpus-$target" "seeds/$target" -- \
    -max_total_time="$EACH" -timeout=10 -rss_limit_mb=2048 >"$log" 2>&1; then
    runs=$(grep -oE 'Done [0-9]+ runs' "$log" | tail -1 | grep -oE '[0-9]+')
    {
      echo "fuzz $target: ${runs:-?} runs in ${EACH} s, every invariant held"
      result 1 0 "fuzz target $target"
    } >"$out"
  else
    {
      echo "fuzz $target: FAILED"
      grep -E -A12 "panicked at|ERROR: libFuzzer|SUMMARY" "$log" | head -n 40
      crash=$(grep -oE 'Test unit written to [^ ]+' "$log" | tail -1 | awk '{print $5}')
      if [ -n "$crash" ] && [ -f "$crash" ]; then
        echo "reproducer ($crash), base64: $(base64 -w0 "$crash")"
        echo "run it again: (cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run ${FLAGS[*]} $target $crash)"
      else
        tail -n 20 "$log"
      fi
      result 0 1 "fuzz target $target"
    } >"$out"
  fi
}

# As many targets at a time as there are cores (libFuzzer runs on one).
jobs_max=$(nproc 2>/dev/null || echo 1)
targets=$(cargo fuzz list)
running=0
for target in $targets; do
  if [ "$running" -ge "$jobs_max" ]; then
    wait -n
    running=$((running - 1))
  fi
  fuzz_one "$target" &
  running=$((running + 1))
done
wait
failed=0
for target in $targets; do
  if [ -s "$work/$target.out" ]; then
    cat "$work/$target.out"
    grep -q '^test result: ok' "$work/$target.out" || failed=$((failed + 1))
  else
    result 0 1 "fuzz target $target (no report)"
    failed=$((failed + 1))
  fi
done
echo "fuzz: stage took $(($(date +%s) - started)) s"
[ "$failed" = 0 ]
