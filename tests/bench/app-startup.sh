#!/usr/bin/env bash
# Benchmark: the release app's binary size, cold start to a painted grid with 1,000 images,
# and idle PSS of its process tree. Run through the harness (make bench).
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${SLIPWAY_TEST_DOCKER_HOST:?run me through tests/harness/with-engines.sh (make bench)}"
app=$PWD/target/release/slipway
echo "release binary: $(du -h "$app" | cut -f1) ($app)"
# 1,000 distinct images, quickly: imports of a one-file rootfs, each with its own label.
root=$(mktemp -d)
echo hello > "$root/hello.txt"
tar -C "$root" -cf "$root.tar" hello.txt
have=$("$SLIPWAY_TEST_DOCKER_CLI" images -q | wc -l)
for i in $(seq "$have" 999); do
  "$SLIPWAY_TEST_DOCKER_CLI" import -c "LABEL n=$i" "$root.tar" "bench/img$((i % 50)):v$i" >/dev/null
done
rm -rf "$root" "$root.tar"
echo "images in the engine: $("$SLIPWAY_TEST_DOCKER_CLI" images -q | wc -l)"
SLIPWAY_APP_BIN=$app bash tests/e2e/run.sh --bench
