#!/usr/bin/env bash
# Start/stop a standalone REAL Ganeti 3.0 ganeti-wconfd + ganeti-luxid pair
# (Debian bookworm packages, see .ci/install-ganeti.sh) inside a caller-made
# temporary directory, for interop tests.
#
#   test/interop/real-ganeti.sh start DIR   # prints LUXI_SOCKET=... etc.
#   test/interop/real-ganeti.sh env   DIR   # prints the same lines again
#   test/interop/real-ganeti.sh stop  DIR   # kills everything it started
#
# DIR must exist (make it with `mktemp -d`). Everything, logs included, goes
# inside DIR:
#   DIR/<fqdn>/...      GANETI_ROOTDIR (virtual-cluster node root)
#   DIR/state/*.pid     pids of the daemons (each is its own process group)
#   DIR/state/*.out     stdout/stderr of the daemons and of the setup steps
#   DIR/state/config.data  the config.data the daemons loaded (after cfgupgrade)
#
# Environment knobs (all optional):
#   GANETI_UDS_CLI        built ganeti-uds CLI that exports the cluster
#                         (default: dist/cli.js of this repository)
#   REAL_GANETI_EXPORT_ARGS  more 'demo export-config' flags, e.g.
#                         '--generate nodes=50,instances=400,groups=2'
#                         (default: the demo's sample cluster)
#   REAL_GANETI_CONFIG    a config.data made for this host, used instead of
#                         exporting one
#   REAL_GANETI_START_TIMEOUT  seconds to wait for both sockets (default 20)
set -euo pipefail

readonly SHARE=/usr/share/ganeti/3.0
readonly SBIN=/usr/lib/ganeti/3.0/usr/sbin
readonly PY=/usr/bin/python3
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
readonly REPO
readonly START_TIMEOUT="${REAL_GANETI_START_TIMEOUT:-20}"

die() { echo "real-ganeti.sh: $*" >&2; exit 1; }
log() { echo "real-ganeti.sh: $*" >&2; }

usage() {
  echo "usage: $0 start|stop|env DIR" >&2
  exit 2
}

[ $# -eq 2 ] || usage
cmd=$1
[ -d "$2" ] || die "DIR '$2' does not exist (create it with mktemp -d)"
DIR=$(cd "$2" && pwd -P)
STATE=$DIR/state

# The virtual-cluster host name must be what Python's socket.getfqdn() says,
# because luxid/job processes compare it with the master node's name.
fqdn() {
  "$PY" -c 'import socket; print(socket.getfqdn())'
}

# Decide the host name once per DIR and remember it, so that stop/env work
# even if name resolution changed meanwhile.
host_name() {
  if [ -s "$STATE/hostname" ]; then
    cat "$STATE/hostname"
  else
    fqdn
  fi
}

print_env() {
  local host root sockdir
  host=$(host_name)
  root=$DIR/$host
  sockdir=$root/var/run/ganeti/socket
  printf 'LUXI_SOCKET=%q\n' "$sockdir/ganeti-query"
  printf 'WCONFD_SOCKET=%q\n' "$sockdir/ganeti-wconfd"
  printf 'GANETI_ROOTDIR=%q\n' "$root"
  printf 'GANETI_HOSTNAME=%q\n' "$host"
  printf 'CONFIG_DATA=%q\n' "$STATE/config.data"
}

join_words() { tr -s ' \n' '  ' | sed 's/^ //; s/ $//'; }

# The recorded pid of daemon $1, printed only if that process still is that
# daemon (guards against pid reuse after a crash).
recorded_pid() {
  local pid args
  pid=$(cat "$STATE/$1.pid" 2>/dev/null || true)
  [ -n "$pid" ] || return 0
  args=$(ps -o args= -p "$pid" 2>/dev/null || true)
  case $args in
    "$SBIN/$1 "*|"[$1]"*) echo "$pid" ;;
  esac
}

pid_alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

# Every process (running or zombie) that belongs to this DIR: the recorded
# daemons, everything in their sessions (each daemon is a session leader),
# anything whose environment carries our GANETI_ROOTDIR (job processes), and
# all descendants of those. Never matches processes of another DIR.
our_pids() {
  local root=$1 name pid seeds="" p
  for name in ganeti-wconfd ganeti-luxid; do
    pid=$(recorded_pid "$name")
    [ -n "$pid" ] && seeds="$seeds $pid"
  done
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    [ "$p" = "$$" ] && continue
    if { tr '\0' '\n' < "/proc/$p/environ"; } 2>/dev/null \
        | grep -qxF "GANETI_ROOTDIR=$root"; then
      seeds="$seeds $p"
    fi
  done
  ps -e -o pid=,ppid=,sid= 2>/dev/null | awk -v seeds="$seeds" -v self="$$" '
    BEGIN { n = split(seeds, s, " "); for (i = 1; i <= n; i++) mine[s[i]] = 1 }
    { pid[NR] = $1; ppid[NR] = $2; sid[NR] = $3 }
    END {
      for (i = 1; i <= NR; i++) if (sid[i] in mine) mine[pid[i]] = 1
      do {
        changed = 0
        for (i = 1; i <= NR; i++)
          if ((ppid[i] in mine) && !(pid[i] in mine)) { mine[pid[i]] = 1; changed = 1 }
      } while (changed)
      for (i = 1; i <= NR; i++)
        if ((pid[i] in mine) && pid[i] != self) print pid[i]
    }'
}

# The subset of the given pids that is still running (not a zombie).
running_pids() {
  local p st
  for p in "$@"; do
    st=$(ps -o stat= -p "$p" 2>/dev/null || true)
    case $st in ""|Z*) ;; *) echo "$p" ;; esac
  done
}

# The config.data both the real daemons and the demo serve: the demo's cluster
# exported by our CLI (src/cli/export-config.ts) for this host: master node
# renamed to the host name, node and master IPs on loopback, names in ASCII
# (the real luxid sends non-ASCII as raw bytes).
export_config() {
  local dst=$1 host=$2 cli
  cli=${GANETI_UDS_CLI:-$REPO/dist/cli.js}
  [ -f "$cli" ] || die "$cli missing: build it with 'npm run build' or set GANETI_UDS_CLI"
  # shellcheck disable=SC2086
  if ! node "$cli" demo export-config "$dst" --master-name "$host" --loopback \
      --ascii-names ${REAL_GANETI_EXPORT_ARGS:-} > "$STATE/export-config.out" 2>&1; then
    cat "$STATE/export-config.out" >&2
    die "ganeti-uds demo export-config failed"
  fi
}

setup_root() {
  local host=$1 root=$2 ts data conf
  data=$root/var/lib/ganeti
  conf=$root/etc/ganeti
  mkdir -p "$data/queue/archive" "$data/rapi" "$conf" \
    "$root/var/run/ganeti/socket" "$root/var/run/ganeti/livelocks" \
    "$root/var/run/ganeti/crypto" "$root/var/run/ganeti/luxidmessages" \
    "$root/var/log/ganeti" "$root/var/lock"
  chmod 0750 "$root/var/run/ganeti/socket"

  if [ -n "${REAL_GANETI_CONFIG:-}" ]; then
    cp "$REAL_GANETI_CONFIG" "$data/config.data" \
      || die "cannot copy REAL_GANETI_CONFIG $REAL_GANETI_CONFIG"
  else
    export_config "$data/config.data" "$host"
  fi
  chmod 0640 "$data/config.data"
  printf '%s\n' "$host" > "$data/ssconf_master_node"
  : > "$data/known_hosts"
  echo 0 > "$data/queue/serial"

  # Self-signed node daemon certificate (key and cert in one PEM file).
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -sha256 \
    -subj "/CN=$host" -keyout "$STATE/server.key" -out "$STATE/server.crt" \
    > "$STATE/openssl.out" 2>&1 || die "openssl failed, see $STATE/openssl.out"
  cat "$STATE/server.key" "$STATE/server.crt" > "$data/server.pem"
  chmod 0600 "$data/server.pem"
  rm -f "$STATE/server.key" "$STATE/server.crt"

  # Ganeti's own check of the file: cfgupgrade loads it with Python's objects
  # (and verifies it), then writes it back normalised. The demo side serves the
  # copy in state/config.data, taken before the daemons can change anything.
  if ! env GANETI_ROOTDIR="$root" GANETI_HOSTNAME="$host" \
      PYTHONPATH="$SHARE" PATH=/usr/sbin:/usr/bin:/sbin:/bin \
      "$PY" "$SHARE/cfgupgrade" --path="$data" --confdir="$conf" -f \
      --ignore-hostname > "$STATE/cfgupgrade.out" 2>&1; then
    cat "$STATE/cfgupgrade.out" >&2
    die "cfgupgrade failed on the exported config.data"
  fi
  cp "$data/config.data" "$STATE/config.data"
}

# Start one daemon in its own session/process group; record its pid.
spawn() {
  local name=$1 host=$2 root=$3
  shift 3
  # Daemons run with a clean environment: Debian's python3 first on PATH (job
  # processes are Python), vcluster variables set.
  setsid env -i \
    PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8 \
    HOME="$DIR" \
    PYTHONPATH="$SHARE" \
    GANETI_ROOTDIR="$root" \
    GANETI_HOSTNAME="$host" \
    "$SBIN/$name" "$@" < /dev/null > "$STATE/$name.out" 2>&1 &
  echo $! > "$STATE/$name.pid"
}

sock_accepts() {
  "$PY" - "$1" <<'EOF' 2>/dev/null
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(1)
try:
  s.connect(sys.argv[1])
except OSError:
  sys.exit(1)
s.close()
EOF
}

do_stop() {
  local host root name pid pids alive
  host=$(host_name)
  root=$DIR/$host
  pids=$(our_pids "$root" | join_words)
  # Polite first: SIGTERM to each daemon's process group, and to the rest.
  for name in ganeti-luxid ganeti-wconfd; do
    pid=$(recorded_pid "$name")
    if pid_alive "$pid"; then
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    fi
  done
  # shellcheck disable=SC2086
  [ -z "$pids" ] || kill -TERM $pids 2>/dev/null || true
  for _ in $(seq 1 50); do
    # shellcheck disable=SC2086
    alive=$(running_pids $pids)
    [ -z "$alive" ] && break
    sleep 0.1
  done
  # Then SIGKILL whatever is left (including anything forked meanwhile).
  pids=$({ printf '%s\n' "$pids"; our_pids "$root"; } | sort -un | join_words)
  # shellcheck disable=SC2086
  alive=$(running_pids $pids)
  if [ -n "$alive" ]; then
    log "SIGKILL to: $(join_words <<< "$alive")"
    # shellcheck disable=SC2086
    kill -KILL $alive 2>/dev/null || true
  fi
  # Wait until they are gone from the process table. Zombies are reaped by
  # init, which here takes up to ~1.5 s.
  for _ in $(seq 1 100); do
    # shellcheck disable=SC2086
    [ -z "$(ps -o pid= -p "$(echo $pids | tr ' ' ,)" 2>/dev/null)" ] && break
    sleep 0.1
  done
  rm -f "$STATE/ganeti-luxid.pid" "$STATE/ganeti-wconfd.pid"
  # shellcheck disable=SC2086
  alive=$(running_pids $pids)
  [ -z "$alive" ] || die "processes still alive after SIGKILL: $(join_words <<< "$alive")"
  # shellcheck disable=SC2086
  if [ -n "$pids" ] && [ -n "$(ps -o pid= -p "$(echo $pids | tr ' ' ,)" 2>/dev/null)" ]; then
    log "note: dead but not yet reaped (zombie): $(ps -o pid=,stat=,comm= -p "$(echo $pids | tr ' ' ,)" | tr '\n' ' ')"
  fi
  return 0
}

do_start() {
  local host root sockdir t0 deadline name pid
  mkdir -p "$STATE"
  for name in ganeti-luxid ganeti-wconfd; do
    pid=$(recorded_pid "$name")
    pid_alive "$pid" && die "$name already running (pid $pid) for $DIR"
  done
  host=$(fqdn)
  [ -n "$host" ] || die "socket.getfqdn() returned nothing"
  case $host in */*) die "host name '$host' cannot be a path component";; esac
  echo "$host" > "$STATE/hostname"
  root=$DIR/$host
  sockdir=$root/var/run/ganeti/socket
  if [ ${#sockdir} -gt 90 ]; then
    die "DIR path too long for AF_UNIX socket paths: $sockdir"
  fi
  for b in "$SBIN/ganeti-wconfd" "$SBIN/ganeti-luxid" "$SHARE/cfgupgrade"; do
    [ -x "$b" ] || [ -f "$b" ] || die "$b missing; run 'sudo bash .ci/install-ganeti.sh'"
  done

  if [ ! -f "$root/var/lib/ganeti/config.data" ]; then
    setup_root "$host" "$root"
  fi
  rm -f "$sockdir/ganeti-wconfd" "$sockdir/ganeti-query"

  # If anything below fails, leave nothing running.
  trap 'do_stop >/dev/null 2>&1 || true' EXIT

  t0=$(date +%s%N)
  deadline=$(( $(date +%s) + START_TIMEOUT ))
  spawn ganeti-wconfd "$host" "$root" \
    -f --no-user-checks --force-node --no-voting --yes-do-it
  until sock_accepts "$sockdir/ganeti-wconfd"; do
    pid_alive "$(cat "$STATE/ganeti-wconfd.pid")" || {
      tail -n 30 "$STATE/ganeti-wconfd.out" >&2
      die "ganeti-wconfd exited during start-up"; }
    [ "$(date +%s)" -lt "$deadline" ] || die "timeout waiting for wconfd socket"
    sleep 0.05
  done
  spawn ganeti-luxid "$host" "$root" \
    -f --no-user-checks --no-voting --yes-do-it
  until sock_accepts "$sockdir/ganeti-query"; do
    pid_alive "$(cat "$STATE/ganeti-luxid.pid")" || {
      tail -n 30 "$STATE/ganeti-luxid.out" >&2
      die "ganeti-luxid exited during start-up"; }
    [ "$(date +%s)" -lt "$deadline" ] || die "timeout waiting for luxid socket"
    sleep 0.05
  done
  trap - EXIT
  log "daemons up in $(( ($(date +%s%N) - t0) / 1000000 )) ms" \
    "(wconfd pid $(cat "$STATE/ganeti-wconfd.pid"), luxid pid" \
    "$(cat "$STATE/ganeti-luxid.pid"))"
  print_env
}

case $cmd in
  start) do_start ;;
  stop) do_stop ;;
  env) print_env ;;
  *) usage ;;
esac
