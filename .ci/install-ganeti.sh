#!/usr/bin/env bash
# Install the REAL Ganeti 3.0 peers (Debian bookworm packages) used by the
# interop tests in test/interop/. Run as root:
#
#   sudo bash .ci/install-ganeti.sh
#
# Idempotent: when everything is already there it only checks and exits
# (well under a second). Nothing is started: a policy-rc.d that exits 101 is
# in place while packages are installed.
#
# What it does:
#   1. apt-get install --no-install-recommends ganeti-3.0 ganeti-htools-3.0
#      ganeti-haskell-3.0 openssl (apt-get update first only when the package
#      lists do not know ganeti-3.0 yet);
#   2. creates the daemon groups/users Ganeti expects (ganeti-wconfd refuses to
#      start without them, even with --no-user-checks).
# The real daemons' cluster is the demo's own, exported as config.data by
# 'ganeti-uds demo export-config' (test/interop/real-ganeti.sh): no
# ganeti-testsuite download is needed.
set -euo pipefail

readonly PKGS=(ganeti-3.0 ganeti-htools-3.0 ganeti-haskell-3.0 openssl)
readonly POLICY=/usr/sbin/policy-rc.d

fail() { echo "install-ganeti.sh: ERROR: $*" >&2; exit 1; }
note() { echo "install-ganeti.sh: $*" >&2; }

[ "$(id -u)" -eq 0 ] || fail "must run as root (sudo bash $0)"
if ! command -v apt-get >/dev/null || ! command -v dpkg-query >/dev/null; then
  fail "needs a Debian system with apt-get (Debian bookworm ships Ganeti 3.0)"
fi

export DEBIAN_FRONTEND=noninteractive

installed() {
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]
}

missing=()
for p in "${PKGS[@]}"; do
  installed "$p" || missing+=("$p")
done

# --- 1. packages ------------------------------------------------------------
if [ ${#missing[@]} -gt 0 ]; then
  note "installing: ${missing[*]}"
  # Never let a package start a service. A policy-rc.d that already exits 101
  # is left alone; otherwise ours is put in place for the install and the
  # previous state (none, or the saved original) is restored afterwards.
  policy_backup=""
  own_policy=0
  if [ ! -e "$POLICY" ] || ! grep -qx 'exit 101' "$POLICY"; then
    if [ -e "$POLICY" ]; then
      policy_backup=$(mktemp /usr/sbin/policy-rc.d.orig.XXXXXX)
      cp -p "$POLICY" "$policy_backup"
    fi
    printf '#!/bin/sh\n# temporary, from install-ganeti.sh\nexit 101\n' > "$POLICY"
    chmod 0755 "$POLICY"
    own_policy=1
  fi
  apt_log=$(mktemp /tmp/install-ganeti.apt.XXXXXX.log)
  cleanup_policy() {
    if [ "$own_policy" = 1 ]; then
      if [ -n "$policy_backup" ]; then
        mv -f "$policy_backup" "$POLICY"
      else
        rm -f "$POLICY"
      fi
      own_policy=0
    fi
  }
  trap cleanup_policy EXIT

  if ! apt-cache show ganeti-3.0 >/dev/null 2>&1; then
    note "apt-get update"
    apt-get update -q >/dev/null || fail "apt-get update failed"
  fi
  apt-cache show ganeti-3.0 >/dev/null 2>&1 \
    || fail "no ganeti-3.0 package in the apt sources (Debian bookworm has 3.0.2-3)"
  if ! apt-get install -y -q --no-install-recommends "${missing[@]}" \
      > "$apt_log" 2>&1; then
    tail -n 30 "$apt_log" >&2
    fail "apt-get install ${missing[*]} failed (full log: $apt_log)"
  fi
  rm -f "$apt_log"
  cleanup_policy
  trap - EXIT
fi

for f in /usr/lib/ganeti/3.0/usr/sbin/ganeti-wconfd \
         /usr/lib/ganeti/3.0/usr/sbin/ganeti-luxid \
         /usr/lib/ganeti/3.0/usr/bin/hbal \
         /usr/share/ganeti/3.0/cfgupgrade \
         /usr/share/ganeti/3.0/ganeti/luxi.py; do
  [ -e "$f" ] || fail "$f missing after install"
done

# --- 2. daemon groups and users ---------------------------------------------
for g in gnt-admin gnt-confd gnt-daemons gnt-luxid gnt-masterd gnt-metad gnt-rapi; do
  getent group "$g" >/dev/null || groupadd --system "$g" \
    || fail "groupadd $g failed"
done

# user:primary-group:supplementary-groups
for spec in \
    gnt-confd:gnt-confd:gnt-daemons \
    gnt-masterd:gnt-masterd:gnt-admin,gnt-confd,gnt-daemons,gnt-luxid \
    gnt-metad:gnt-metad:gnt-daemons \
    gnt-rapi:gnt-rapi:gnt-admin,gnt-daemons; do
  IFS=: read -r user primary extra <<< "$spec"
  if ! getent passwd "$user" >/dev/null; then
    useradd --system --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin --gid "$primary" "$user" \
      || fail "useradd $user failed"
  fi
  have=" $(id -nG "$user") "
  IFS=, read -r -a want <<< "$extra"
  for g in "${want[@]}"; do
    case $have in
      *" $g "*) ;;
      *) usermod --append --groups "$g" "$user" || fail "usermod $user $g failed" ;;
    esac
  done
done

note "ok: $(dpkg-query -W -f='${Package} ${Version}\n' ganeti-3.0 | tr '\n' ' ')"
