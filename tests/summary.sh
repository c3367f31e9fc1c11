#!/usr/bin/env bash
# Add up cargo's "test result:" lines from the logs into one "N passed, N failed" line.
set -euo pipefail
passed=0 failed=0 ignored=0
while read -r p f i; do
  passed=$((passed + p)) failed=$((failed + f)) ignored=$((ignored + i))
done < <(grep -h '^test result:' "$@" | sed -E 's/.* ([0-9]+) passed; ([0-9]+) failed; ([0-9]+) ignored.*/\1 \2 \3/')
echo "total: ${passed} passed, ${failed} failed, ${ignored} skipped"
[ "$failed" -eq 0 ]
