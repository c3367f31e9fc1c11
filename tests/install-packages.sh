#!/usr/bin/env bash
# Install the named Debian packages that are not installed yet (no-op when all are).
# Package scripts are kept from starting services meanwhile (policy-rc.d): installing
# docker.io must never start a system dockerd on /var/run/docker.sock.
set -euo pipefail
missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -gt 0 ] || exit 0
[ "$(id -u)" = 0 ] || { echo "install-packages: need root to install: ${missing[*]}" >&2; exit 1; }
echo "install-packages: installing ${missing[*]}" >&2
policy=/usr/sbin/policy-rc.d own_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  own_policy=1
fi
rc=0
{ apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"; } >&2 || rc=$?
[ "$own_policy" = 0 ] || rm -f "$policy"
exit "$rc"
