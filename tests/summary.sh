#!/usr/bin/env bash
# Add up the test runners' result lines from the logs into one "N passed, N failed" line:
# cargo's "test result: … N passed; N failed; N ignored" and Vitest's "Tests  N failed | N passed".
set -euo pipefail
passed=0 failed=0 skipped=0
strip() { sed -E 's/\x1b\[[0-9;]*m//g' "$@"; }
while read -r p f i; do
  passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + i))
done < <(strip "$@" | grep -h '^test result:' | sed -E 's/.* ([0-9]+) passed; ([0-9]+) failed; ([0-9]+) ignored.*/\1 \2 \3/')
while read -r line; do
  n() { grep -oE "[0-9]+ $1" <<<"$line" | grep -oE '[0-9]+' || echo 0; }
  passed=$((passed + $(n passed))) failed=$((failed + $(n failed))) skipped=$((skipped + $(n skipped)))
done < <(strip "$@" | grep -hE '^ *Tests +[0-9]')
echo "total: ${passed} passed, ${failed} failed, ${skipped} skipped"
[ "$failed" -eq 0 ]
