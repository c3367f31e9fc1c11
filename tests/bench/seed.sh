#!/usr/bin/env bash
# Top an engine up to COUNT bench images (tags bench/img<i % 50>:v<i>, NAMES tags each) with
# loads of docker-archives from seed-archive.py; images already there are kept, so a run
# seeds 1,000 first and tops up later. Docker gets the images in two archives loaded at once
# (its load is CPU-bound per layer; two at once took 17 s where one took 29 s for 500).
#
#   tests/bench/seed.sh docker|podman COUNT [NAMES]
#   SLIPWAY_BENCH_DOCKER_HOST  another dockerd than the harness's (the bench's 5,000 one)
set -euo pipefail
cd "$(dirname "$0")/../.."
engine=$1 count=$2 names=${3:-1}
case $engine in
  docker) cli=("$SLIPWAY_TEST_DOCKER_CLI" -H "${SLIPWAY_BENCH_DOCKER_HOST:-$SLIPWAY_TEST_DOCKER_HOST}") parts=2 ;;
  podman) cli=(podman --remote --url "$SLIPWAY_TEST_PODMAN_HOST") parts=1 ;;
  *) echo "seed: docker or podman, not $engine" >&2; exit 2 ;;
esac
# Bench images are numbered from 0 and loaded in order: how many there are is the next number.
have=$("${cli[@]}" images --format '{{.Repository}}:{{.Tag}}' | grep -c '/img[0-9]*:v[0-9]*$' || true)
if [ "$have" -ge "$count" ]; then
  echo "seed: $engine has $have bench images (>= $count)" >&2
  exit 0
fi
dir=$(mktemp -d /tmp/slipway-seed.XXXXXX)
trap 'rm -rf "$dir"' EXIT
start=$(date +%s) from=$have
# The first image alone: the shared layer is then there before two loads would both add it.
if [ "$have" = 0 ]; then
  python3 tests/bench/seed-archive.py 1 bench "$dir/first.tar" 0 "$names"
  "${cli[@]}" load -i "$dir/first.tar" >/dev/null
  have=1
fi
todo=$((count - have)) pids=()
for p in $(seq 0 $((parts - 1))); do
  first=$((have + todo * p / parts)) last=$((have + todo * (p + 1) / parts))
  [ "$last" -gt "$first" ] || continue
  python3 tests/bench/seed-archive.py $((last - first)) bench "$dir/$p.tar" "$first" "$names"
  "${cli[@]}" load -i "$dir/$p.tar" >/dev/null &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid"; done
echo "seed: $engine $from -> $count bench images in $(($(date +%s) - start)) s" >&2
