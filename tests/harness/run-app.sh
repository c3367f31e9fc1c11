#!/usr/bin/env bash
# `make run`: open APP on the user's engine; when none answers (or with --sandbox), on the
# sandbox engine instead — the harness's private dockerd seeded with sample images — so a
# newcomer sees a working app. The sandbox is torn down when the app exits.
#   tests/harness/run-app.sh [--sandbox] APP [APP ARGS...]
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
force_sandbox=0
if [ "${1:-}" = --sandbox ]; then force_sandbox=1; shift; fi
app=${1:?usage: run-app.sh [--sandbox] APP [ARGS...]}
shift
cli=$(dirname "$app")/slipway-cli
if [ $force_sandbox = 0 ] && [ -x "$cli" ] && "$cli" engine >/dev/null 2>&1; then
  exec "$app" "$@"
fi
echo "run-app: no engine answers (or --sandbox): starting the sandbox engine (private dockerd with sample images)." >&2
exec bash "$HERE/sandbox.sh" "$app" --sandbox "$@"
