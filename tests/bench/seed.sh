#!/usr/bin/env bash
# Top an engine up to COUNT bench images (tags bench/img<i % 50>:v<i>, NAMES tags each) with
# one load of a docker-archive from seed-archive.py; images already there are kept, so a run
# seeds 1,000 first and tops up to 5,000 later.
#
#   tests/bench/seed.sh docker|podman COUNT [NAMES]
set -euo pipefail
cd "$(dirname "$0")/../.."
engine=$1 count=$2 names=${3:-1}
case $engine in
  docker) cli=("$SLIPWAY_TEST_DOCKER_CLI" -H "$SLIPWAY_TEST_DOCKER_HOST") ;;
  podman) cli=(podman --remote --url "$SLIPWAY_TEST_PODMAN_HOST") ;;
  *) echo "seed: docker or podman, not $engine" >&2; exit 2 ;;
esac
# Bench images are numbered from 0 and loaded in order: how many there are is the next number.
have=$("${cli[@]}" images --format '{{.Repository}}:{{.Tag}}' | grep -c '/img[0-9]*:v[0-9]*$' || true)
if [ "$have" -ge "$count" ]; then
  echo "seed: $engine has $have bench images (>= $count)" >&2
  exit 0
fi
tar=$(mktemp /tmp/slipway-seed.XXXXXX.tar)
trap 'rm -f "$tar"' EXIT
start=$(date +%s)
python3 tests/bench/seed-archive.py $((count - have)) bench "$tar" "$have" "$names"
"${cli[@]}" load -i "$tar" >/dev/null
echo "seed: $engine $have -> $count bench images in $(($(date +%s) - start)) s" >&2
