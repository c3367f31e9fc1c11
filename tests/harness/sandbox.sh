#!/usr/bin/env bash
# The sandbox engine for `make run` on a machine where no engine answers: the harness's private
# dockerd and registries, seeded with a few sample images, then CMD with
# SLIPWAY_TEST_DOCKER_HOST pointing at it. Everything is torn down when CMD exits.
#   tests/harness/sandbox.sh target/release/slipway --sandbox
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export SLIPWAY_HARNESS_NO_PODMAN=${SLIPWAY_HARNESS_NO_PODMAN:-1}
# shellcheck disable=SC2016 # expanded by the inner shell, inside the harness
exec bash "$HERE/with-engines.sh" bash -c '
  set -euo pipefail
  docker=${SLIPWAY_TEST_DOCKER_CLI}
  ctx=$(mktemp -d)
  sample() { # TAG [DOCKERFILE LINES...]
    local tag=$1; shift
    { echo "FROM $SLIPWAY_TEST_BASE_IMAGE"; printf "%s\n" "$@"; } > "$ctx/Dockerfile"
    "$docker" build -q -t "$tag" "$ctx" >/dev/null
  }
  sample sandbox/web:1.0 "LABEL org.opencontainers.image.title=web" "RUN echo v1 > /version"
  "$docker" tag sandbox/web:1.0 sandbox/web:latest
  sample sandbox/web:0.9 "LABEL org.opencontainers.image.title=web" "RUN echo v0.9 > /version"
  sample sandbox/worker:2 "ENV QUEUE=jobs" "RUN head -c 2000000 /dev/urandom > /data"
  sample sandbox/old:1 "RUN echo first > /f"
  sample sandbox/old:1 "RUN echo second > /f"   # the first build is now dangling
  "$docker" create --name sandbox-web sandbox/web:1.0 >/dev/null
  rm -rf "$ctx"
  "$@" --host "$SLIPWAY_TEST_DOCKER_HOST"
' sandbox "$@"
