#!/usr/bin/env bash
# Bench: pull and push of a 200 MB image through the harness's open registry, save and load
# of it, and the send of a 1 GiB build context — `slipway-cli` beside the docker CLI doing
# the same through the same dockerd. Elapsed time and peak RSS of each (GNU time), three
# interleaved rounds, medians; one table row per operation (goal: ≤ 1.05× the docker CLI).
# Run through the harness (run.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/bench/lib.sh
: "${SLIPWAY_TEST_DOCKER_HOST:?run me through tests/harness/with-engines.sh (make bench)}"
cli=(${SLIPWAY_CLI:-$PWD/target/release/slipway-cli} --host "$SLIPWAY_TEST_DOCKER_HOST")
docker=("$SLIPWAY_TEST_DOCKER_CLI" -H "$SLIPWAY_TEST_DOCKER_HOST")
reg=$SLIPWAY_TEST_REGISTRY
rounds=${SLIPWAY_BENCH_ROUNDS:-3}
work=$(mktemp -d /tmp/slipway-bench-transfer.XXXXXX)
export SLIPWAY_CONFIG_DIR=$work/config
trap 'rm -rf "$work"' EXIT

# A 200 MB image of one layer of random bytes (nothing compressible or shared); $1: its name.
# Each push needs content the registry has never seen, or it answers "layer exists".
make_image() {
  mkdir -p "$work/img"
  head -c $((200 << 20)) /dev/urandom >"$work/img/blob"
  printf 'FROM scratch\nCOPY blob /blob\n' >"$work/img/Dockerfile"
  DOCKER_BUILDKIT=0 "${docker[@]}" build -q -t "$1" "$work/img" >/dev/null
  rm -f "$work/img/blob"
}
forget() { "${docker[@]}" rmi -f "$@" >/dev/null 2>&1 || true; }

# Runs the command under GNU time; appends "seconds rss_kib" to the file $1.
measure() {
  local out=$1
  shift
  /usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null 2>"$work/stderr" || {
    echo "transfer.sh: failed: $*" >&2
    cat "$work/stderr" >&2
    return 1
  }
  tail -n1 "$work/time" >>"$out"
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
# Row for operation $1 (label) from the files $2 (slipway) and $3 (docker CLI); $4: docker's command.
row() {
  local st sr dt dr r
  st=$(cut -d' ' -f1 "$2" | median) sr=$(($(cut -d' ' -f2 "$2" | median | cut -d. -f1) / 1024))
  dt=$(cut -d' ' -f1 "$3" | median) dr=$(($(cut -d' ' -f2 "$3" | median | cut -d. -f1) / 1024))
  r=$(bench_ratio "$st" "$dt")
  bench_row "$1" "$st s, peak RSS $sr MiB" "$4 $dt s, peak RSS $dr MiB" "${r}× docker" "≤ 1.05× docker CLI" \
    "$(bench_le "$r" 1.05)"
}

# One run of operation $2 by $1 (sw = slipway-cli, dk = the docker CLI), appended to its file.
run_op() {
  local who=$1 op=$2 name
  case $who.$op in
    # pull: the image is not in the engine, its blobs are in the registry.
    sw.pull) forget "$src" && measure "$work/pull.sw" "${cli[@]}" images pull "$src" ;;
    dk.pull) forget "$src" && measure "$work/pull.dk" "${docker[@]}" pull -q "$src" ;;
    # save: to a file on the same disk.
    sw.save) measure "$work/save.sw" "${cli[@]}" images save -o "$work/sw.tar" "$src" ;;
    dk.save) measure "$work/save.dk" "${docker[@]}" save -o "$work/dk.tar" "$src" ;;
    # load: the image is not in the engine; both load the same file.
    sw.load) forget "$src" && measure "$work/load.sw" "${cli[@]}" images load -i "$work/load.tar" ;;
    dk.load) forget "$src" && measure "$work/load.dk" "${docker[@]}" load -q -i "$work/load.tar" ;;
    # push: a new image each time (the registry must receive all 200 MB).
    sw.push | dk.push)
      name=$reg/slipway-bench/push:$who$i
      make_image "$name"
      if [ "$who" = sw ]; then
        measure "$work/push.sw" "${cli[@]}" images push "$name"
      else
        measure "$work/push.dk" "${docker[@]}" push -q "$name"
      fi
      forget "$name"
      ;;
  esac
  rm -f "$work/sw.tar" "$work/dk.tar"
}

src=$reg/slipway-bench/transfer:src
make_image "$src"
"${docker[@]}" push "$src" >/dev/null
"${docker[@]}" save -o "$work/load.tar" "$src"
for f in pull save load push; do : >"$work/$f.sw" >"$work/$f.dk"; done
for i in $(seq 1 "$rounds"); do
  # Rounds alternate who goes first, so neither always meets the disk the other just filled.
  order="sw dk"
  [ $((i % 2)) = 1 ] || order="dk sw"
  for op in pull save load push; do
    for who in $order; do run_op "$who" "$op"; done
  done
  # The load left the image in; the next pull wants it gone, the next save wants it there.
  "${docker[@]}" image inspect "$src" >/dev/null 2>&1 || "${docker[@]}" pull -q "$src" >/dev/null
done
rm -f "$work/load.tar"
forget "$src"
row "pull 200 MB image (open registry, Docker)" "$work/pull.sw" "$work/pull.dk" "docker pull"
row "push 200 MB image (open registry, Docker)" "$work/push.sw" "$work/push.dk" "docker push"
row "save 200 MB image to a file (Docker)" "$work/save.sw" "$work/save.dk" "docker save -o"
row "load 200 MB image from a file (Docker)" "$work/load.sw" "$work/load.dk" "docker load -i"

# Build-context send: 1 GiB of random files, a Dockerfile that only adds a label, classic
# builder for both (the context goes over the API in full each time).
ctx=$work/ctx
mkdir -p "$ctx"
printf 'FROM %s\nLABEL bench=context\n' "$SLIPWAY_TEST_BASE_IMAGE" >"$ctx/Dockerfile"
for i in $(seq 1 16); do head -c $((64 << 20)) /dev/urandom >"$ctx/blob-$i"; done
: >"$work/build.sw" >"$work/build.dk"
for _ in $(seq 1 "$rounds"); do
  measure "$work/build.sw" "${cli[@]}" images build "$ctx" -t slipway-bench/context:sw
  measure "$work/build.dk" env DOCKER_BUILDKIT=0 "${docker[@]}" build -q "$ctx" -t slipway-bench/context:dk
done
forget slipway-bench/context:sw slipway-bench/context:dk
row "build, 1 GiB context sent (Docker, classic builder)" "$work/build.sw" "$work/build.dk" \
  "DOCKER_BUILDKIT=0 docker build"
# The streaming promise of issue 2: memory stays flat whatever the context's size.
sr=$(($(cut -d' ' -f2 "$work/build.sw" | median | cut -d. -f1) / 1024))
bench_row "build, 1 GiB context: peak RSS of slipway-cli" "$sr MiB" "—" "—" "≤ 64 MiB" "$(bench_le "$sr" 64)"
