#!/usr/bin/env bash
# Benchmark: copying a 200 MB image from the harness dockerd to a second private dockerd —
# `slipway-cli images cp` (the source's save streamed into the destination's load) beside the
# docker CLI's own pipe (`docker save | docker load`): elapsed and peak RSS of each.
# Goal (issue 11): the copy's peak RSS < 64 MiB, whatever the image's size — a table row
# (lib.sh), never a failed bench. Run through the harness (run.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/bench/lib.sh
: "${SLIPWAY_TEST_DOCKER_HOST:?run me through tests/harness/with-engines.sh (make bench)}"
cli=${SLIPWAY_CLI:-$PWD/target/release/slipway-cli}
docker=$SLIPWAY_TEST_DOCKER_CLI
export DOCKER_BUILDKIT=0
# A second engine of its own (its containerd, data root and socket under a temp dir).
other=$(mktemp -d /tmp/sw-bench.XXXXXX)
ctx=$(mktemp -d /tmp/slipway-bench.XXXXXX)
cleanup() {
  bash tests/harness/engines.sh down "$other" >/dev/null 2>&1 || true
  rm -rf "$ctx" "$ctx.time"
}
trap cleanup EXIT
bash tests/harness/engines.sh docker-up "$other" >/dev/null 2>&1
dest=unix://$other/docker/docker.sock

# 200 MB of random bytes in one layer: nothing compressible, nothing shared with the base.
head -c $((200 << 20)) /dev/urandom >"$ctx/blob"
printf 'FROM scratch\nCOPY blob /blob\n' >"$ctx/Dockerfile"
"$docker" build -q -t slipway-bench/copy:1 "$ctx" >/dev/null
id=$("$docker" image inspect --format '{{.Id}}' slipway-bench/copy:1)

# $1: label; the rest: the command. Prints "elapsed_s rss_kib".
measure() {
  local start end
  start=$(date +%s.%N)
  /usr/bin/time -v -o "$ctx.time" "$@" >/dev/null
  end=$(date +%s.%N)
  echo "$(awk "BEGIN {printf \"%.2f\", $end - $start}") $(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$ctx.time")"
}

remove_copy() { "$docker" -H "$dest" rmi -f slipway-bench/copy:1 >/dev/null 2>&1 || true; }

# Interleaved, three rounds each; medians.
sw_t=() sw_r=() dk_t=() dk_r=()
for _ in 1 2 3; do
  remove_copy
  read -r t r < <(measure "$cli" images cp "$SLIPWAY_TEST_DOCKER_HOST::slipway-bench/copy:1" "$dest::")
  got=$("$docker" -H "$dest" image inspect --format '{{.Id}}' slipway-bench/copy:1)
  [ "$got" = "$id" ] || { echo "copy-rss: the copy has ID $got, not $id" >&2; exit 1; }
  sw_t+=("$t") sw_r+=("$r")
  remove_copy
  read -r t r < <(measure bash -c '"$1" save slipway-bench/copy:1 | "$1" -H "$2" load' _ "$docker" "$dest")
  # The pipe's peak is the larger of its two docker processes (time -v reports the biggest child).
  dk_t+=("$t") dk_r+=("$r")
done
median() { printf '%s\n' "$@" | sort -n | sed -n 2p; }
st=$(median "${sw_t[@]}") sr=$(($(median "${sw_r[@]}") / 1024))
dt=$(median "${dk_t[@]}") dr=$(($(median "${dk_r[@]}") / 1024))
r=$(bench_ratio "$st" "$dt")
bench_row "copy 200 MB image between two dockerds: slipway-cli images cp" "$st s, peak RSS $sr MiB" \
  "docker save | docker load $dt s, peak RSS $dr MiB" "${r}× docker" "peak RSS < 64 MiB" \
  "$([ "$sr" -lt 64 ] && echo yes || echo no)"
