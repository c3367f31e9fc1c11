#!/usr/bin/env bash
# Benchmark: peak RSS of `slipway-cli images build` sending a 1 GiB context.
# Run through the harness (make bench): the context is streamed, so memory must stay flat.
# Target (issue 2): peak RSS <= 64 MiB.
set -euo pipefail
: "${SLIPWAY_TEST_DOCKER_HOST:?run me through tests/harness/with-engines.sh (make bench)}"
cli=${SLIPWAY_CLI:-target/release/slipway-cli}
ctx=$(mktemp -d /tmp/slipway-bench.XXXXXX)
trap 'rm -rf "$ctx"' EXIT
printf 'FROM %s\nLABEL bench=context-rss\n' "$SLIPWAY_TEST_BASE_IMAGE" > "$ctx/Dockerfile"
# 16 files of 64 MiB of random bytes: real reads, nothing sparse or compressible.
for i in $(seq 1 16); do head -c $((64 << 20)) /dev/urandom > "$ctx/blob-$i"; done
du -sh "$ctx"
start=$(date +%s.%N)
/usr/bin/time -v "$cli" --host "$SLIPWAY_TEST_DOCKER_HOST" images build "$ctx" -t slipway-bench:rss \
  2> "$ctx.time" > /dev/null
end=$(date +%s.%N)
rss_kib=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$ctx.time")
rm -f "$ctx.time"
echo "context: 1 GiB, elapsed: $(awk "BEGIN {printf \"%.1f\", $end - $start}") s, peak RSS: $((rss_kib / 1024)) MiB (target <= 64 MiB)"
[ "$rss_kib" -le $((64 * 1024)) ]
