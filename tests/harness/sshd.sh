#!/usr/bin/env bash
# A private sshd for Slipway's ssh:// engine tests (called by engines.sh up/down).
#
#   sshd.sh up   STATE_DIR DOCKER_SOCK  start an sshd on 127.0.0.1 (a free port), its own
#                                       host key, config and authorized key in STATE_DIR/ssh;
#                                       sessions get DOCKER_HOST=unix://DOCKER_SOCK, so the
#                                       remote `docker system dial-stdio` reaches the private
#                                       dockerd; an ssh-agent holding the client key; writes
#                                       STATE_DIR/ssh/env
#   sshd.sh down STATE_DIR              stop them and take the host key line out of the
#                                       user's known_hosts again (idempotent)
#
# OpenSSH reads ~/.ssh from the passwd entry, not $HOME, and bollard's ssh (the openssh crate)
# cannot be given a known_hosts file: so the run's host key line goes into the user's
# known_hosts for the run and exactly that line (every line with this run's host key, hashed
# or not) comes out again in `down`; a file or folder made for it is removed when empty.
# Nothing else of the machine's ssh setup is touched.

set -euo pipefail
export LC_ALL=C

readonly SSHD=/usr/sbin/sshd
# Serialises known_hosts edits and /run/sshd between harness runs on one machine.
readonly LOCK=/tmp/slipway-harness-sshd.lock

log() { printf '[sshd %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}

shquote() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

usage() {
  echo "usage: $0 up STATE_DIR DOCKER_SOCK | down STATE_DIR" >&2
  exit 2
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

pid_alive() {
  local st
  [ -n "${1:-}" ] && [ -r "/proc/$1/stat" ] || return 1
  st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# the pid recorded as NAME, if it is still a process of this state dir
recorded_pid() {
  local pid
  pid=$(cat "$STATE/pids/$1.pid" 2>/dev/null || true)
  if pid_alive "$pid" && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$S/"; then
    echo "$pid"
  fi
}

descendants() {
  ps -e -o pid=,ppid= | awk -v root="$1" '
    { parent[$1] = $2; pids[NR] = $1 }
    END {
      want[root] = 1; changed = 1
      while (changed) {
        changed = 0
        for (i in pids) { p = pids[i]; if (!(p in want) && (parent[p] in want)) { want[p] = 1; changed = 1; print p } }
      }
    }'
}

# stop NAME and everything below it (sshd's per-session children, remote dial-stdio)
stop_named() {
  local pid kids i
  pid=$(recorded_pid "$1")
  [ -n "$pid" ] || return 0
  kids=$(descendants "$pid" | tr '\n' ' ')
  log "stopping $1 (pid $pid)"
  # shellcheck disable=SC2086
  kill -TERM "$pid" $kids 2>/dev/null || true
  local alive p
  for ((i = 0; i < 50; i++)); do
    alive=0
    for p in $pid $kids; do pid_alive "$p" && alive=1; done
    [ "$alive" = 1 ] || break
    sleep 0.1
  done
  # shellcheck disable=SC2086
  kill -KILL "$pid" $kids 2>/dev/null || true
}

# any live sshd on the machine (zombies do not count)
sshd_running() {
  local d
  for d in /proc/[0-9]*; do
    [ "$(cat "$d/comm" 2>/dev/null)" = sshd ] && pid_alive "${d#/proc/}" && return 0
  done
  return 1
}

known_hosts_file() {
  local home
  home=$(getent passwd "$(id -un)" | cut -d: -f6)
  [ -n "$home" ] || die "no home directory in the passwd entry of $(id -un)"
  echo "$home/.ssh/known_hosts"
}

# --------------------------------------------------------------------------

cmd_up() {
  local sock=$1 port port2 kh khdir i
  [ -x "$SSHD" ] || die "$SSHD is missing (apt-get install openssh-server)"
  command -v ssh-agent >/dev/null || die "ssh-agent is missing (openssh-client)"
  case $(realpath -m -- "$sock") in
  /var/run/docker.sock | /run/docker.sock) die "refusing the system docker socket" ;;
  esac
  case $sock in "$STATE"/*) ;; *) die "$sock is not inside $STATE" ;; esac
  mkdir -p "$S/docker-config" "$S/state" "$STATE/pids"
  chmod 700 "$S"

  ssh-keygen -q -t ed25519 -N '' -C slipway-harness-host -f "$S/host_key"
  ssh-keygen -q -t ed25519 -N '' -C slipway-harness-client -f "$S/client_key"
  # A key the server does not know (the "refused key" tests).
  ssh-keygen -q -t ed25519 -N '' -C slipway-harness-refused -f "$S/refused_key"
  # A key whose login runs a shell without docker on its PATH (a remote with no docker CLI).
  ssh-keygen -q -t ed25519 -N '' -C slipway-harness-nodocker -f "$S/nodocker_key"
  # What the second port claims as its host key in known_hosts: not the real one.
  ssh-keygen -q -t ed25519 -N '' -C slipway-harness-wrong-host -f "$S/wrong_host_key"
  {
    cat "$S/client_key.pub"
    printf 'command="PATH=/nonexistent docker system dial-stdio",no-pty %s\n' "$(cat "$S/nodocker_key.pub")"
  } >"$S/authorized_keys"

  port=$(free_port)
  port2=$(free_port)
  while [ "$port2" = "$port" ]; do port2=$(free_port); done
  cat >"$S/sshd_config" <<EOF
Port $port
Port $port2
ListenAddress 127.0.0.1
HostKey $S/host_key
PidFile $S/sshd.pid
AuthorizedKeysFile $S/authorized_keys
StrictModes no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PermitRootLogin prohibit-password
AllowUsers $(id -un)
PermitUserEnvironment no
PrintMotd no
PrintLastLog no
X11Forwarding no
AllowTcpForwarding no
LogLevel VERBOSE
# The remote docker CLI reaches the PRIVATE dockerd, with a client config of its own.
SetEnv DOCKER_HOST=unix://$sock DOCKER_CONFIG=$S/docker-config
EOF

  kh=$(known_hosts_file)
  khdir=$(dirname "$kh")
  # Every line holding one of these keys is this run's (down removes them).
  awk '{print $2}' "$S/host_key.pub" "$S/wrong_host_key.pub" >"$S/host_key.blob"
  {
    printf '[127.0.0.1]:%s %s\n' "$port" "$(awk '{print $1" "$2}' "$S/host_key.pub")"
    # The same sshd on its second port, "known" with another key: host key verification fails.
    printf '[127.0.0.1]:%s %s\n' "$port2" "$(awk '{print $1" "$2}' "$S/wrong_host_key.pub")"
  } >"$S/known_hosts"
  (
    flock 9
    # sshd's privilege separation folder (made by the openssh-server service when it runs).
    if [ ! -d /run/sshd ]; then
      mkdir -p -m 755 /run/sshd
      touch "$S/made-run-sshd"
    fi
    if [ ! -d "$khdir" ]; then
      mkdir -p -m 700 "$khdir"
      echo "$khdir" >"$S/made-ssh-dir"
    fi
    if [ ! -e "$kh" ]; then
      : >"$kh"
      chmod 600 "$kh"
      echo "$kh" >"$S/made-known-hosts"
    fi
    echo "$kh" >"$S/known-hosts-edited"
    cat "$S/known_hosts" >>"$kh"
  ) 9>"$LOCK"

  "$SSHD" -t -f "$S/sshd_config" || die "sshd refuses its config $S/sshd_config"
  setsid "$SSHD" -D -e -f "$S/sshd_config" </dev/null >>"$S/sshd.log" 2>&1 &
  echo $! >"$STATE/pids/sshd.pid"
  setsid ssh-agent -D -a "$S/agent.sock" </dev/null >>"$S/agent.log" 2>&1 &
  echo $! >"$STATE/pids/ssh-agent.pid"
  log "started sshd on 127.0.0.1:$port (pid $(cat "$STATE/pids/sshd.pid")), ssh-agent (pid $(cat "$STATE/pids/ssh-agent.pid"))"

  # The socket file appears before the agent listens on it: retry until the key is in.
  local added=0
  for ((i = 0; i < 100; i++)); do
    if SSH_AUTH_SOCK=$S/agent.sock ssh-add -q "$S/client_key" 2>>"$S/agent.log"; then
      added=1
      break
    fi
    pid_alive "$(cat "$STATE/pids/ssh-agent.pid")" || break
    sleep 0.1
  done
  [ "$added" = 1 ] || {
    tail -n 20 "$S/agent.log" >&2 || true
    die "ssh-add could not give the client key to the run's ssh-agent"
  }

  # Ready = a real login that reaches the private dockerd (our own known_hosts copy: this
  # check never writes the user's).
  local remote="" want="unix://$sock"
  for ((i = 0; i < 100; i++)); do
    pid_alive "$(cat "$STATE/pids/sshd.pid")" || {
      tail -n 30 "$S/sshd.log" >&2
      die "sshd exited during startup"
    }
    remote=$(SSH_AUTH_SOCK=$S/agent.sock timeout 10 ssh -T -o BatchMode=yes -o ConnectTimeout=5 \
      -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$S/known_hosts" -o IdentitiesOnly=yes \
      -i "$S/client_key" -p "$port" "$(id -un)@127.0.0.1" 'echo "$DOCKER_HOST"; docker version --format "{{.Server.Version}}"' \
      2>>"$S/check.log" || true)
    [ -n "$remote" ] && break
    sleep 0.2
  done
  [ "$(head -n1 <<<"$remote")" = "$want" ] || {
    tail -n 30 "$S/sshd.log" "$S/check.log" >&2 || true
    die "ssh login did not reach the private dockerd (remote said: $remote)"
  }
  log "ssh reaches dockerd $(tail -n1 <<<"$remote") at $want"

  {
    printf 'export SLIPWAY_TEST_SSH_HOST=%s\n' "$(shquote "ssh://$(id -un)@127.0.0.1:$port")"
    printf 'export SLIPWAY_TEST_SSH_PORT=%s\n' "$port"
    printf 'export SLIPWAY_TEST_SSH_KEY=%s\n' "$(shquote "$S/client_key")"
    printf 'export SLIPWAY_TEST_SSH_REFUSED_KEY=%s\n' "$(shquote "$S/refused_key")"
    printf 'export SLIPWAY_TEST_SSH_NODOCKER_KEY=%s\n' "$(shquote "$S/nodocker_key")"
    printf 'export SLIPWAY_TEST_SSH_WRONG_HOST_KEY_HOST=%s\n' "$(shquote "ssh://$(id -un)@127.0.0.1:$port2")"
    printf 'export SLIPWAY_TEST_SSH_DOCKER_HOST=%s\n' "$(shquote "$want")"
    printf 'export SSH_AUTH_SOCK=%s\n' "$(shquote "$S/agent.sock")"
    # bollard's ssh (openssh crate) keeps its ControlMaster sockets here, not in ~/.local/state.
    printf 'export XDG_STATE_HOME=%s\n' "$(shquote "$S/state")"
  } >"$S/env.tmp"
  mv "$S/env.tmp" "$S/env"
}

cmd_down() {
  [ -d "$S" ] || return 0
  stop_named sshd
  stop_named ssh-agent
  # bollard's ControlMasters left behind by a process that died without closing them.
  local d pid
  for d in /proc/[0-9]*; do
    pid=${d#/proc/}
    [ "$(cat "$d/comm" 2>/dev/null)" = ssh ] || continue
    tr '\0' ' ' <"$d/cmdline" 2>/dev/null | grep -qF -- "$S/" && kill -TERM "$pid" 2>/dev/null || true
  done
  (
    flock 9
    local kh blob tmp
    if [ -r "$S/known-hosts-edited" ] && [ -s "$S/host_key.blob" ]; then
      kh=$(cat "$S/known-hosts-edited")
      blob=$S/host_key.blob
      if [ -f "$kh" ] && grep -qF -f "$blob" -- "$kh"; then
        tmp=$(mktemp)
        grep -vF -f "$blob" -- "$kh" >"$tmp" || true
        # Same file (inode, mode, owner): only its content changes.
        cat "$tmp" >"$kh"
        rm -f "$tmp"
        log "removed this run's host key from $kh"
      fi
      if [ -r "$S/made-known-hosts" ] && [ -f "$kh" ] && [ ! -s "$kh" ]; then
        rm -f "$kh"
      fi
      rm -f "$S/known-hosts-edited"
    fi
    if [ -r "$S/made-ssh-dir" ]; then
      rmdir "$(cat "$S/made-ssh-dir")" 2>/dev/null || true
      rm -f "$S/made-ssh-dir"
    fi
    # /run/sshd only if we made it and no sshd uses it any more.
    if [ -e "$S/made-run-sshd" ] && ! sshd_running; then
      rmdir /run/sshd 2>/dev/null || true
    fi
    rm -f "$S/made-run-sshd"
  ) 9>"$LOCK"
}

# --------------------------------------------------------------------------

[ $# -ge 2 ] || usage
STATE=${2%/}
[ -e "$STATE/.slipway-harness" ] || die "not a harness state dir: $STATE"
S=$STATE/ssh
case $1 in
up)
  [ $# -eq 3 ] || usage
  cmd_up "$3"
  ;;
down) cmd_down ;;
*) usage ;;
esac
