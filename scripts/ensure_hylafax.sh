#!/usr/bin/env bash
# Make sure HylaFAX's server daemons are installed and print where they are, one key=value a line:
#
#   HFAXD=/usr/sbin/hfaxd      the client-protocol server the fax backend talks to
#   FAXQ=/usr/sbin/faxq        the scheduler hfaxd hands submitted jobs to
#   FAXSTAT=/usr/bin/faxstat   HylaFAX's own status client (the tests cross-check the queue with it)
#
# tests/servers/hylafax.py reads them as $PRONTO_TEST_HFAXD, ...:
#   eval "$(scripts/ensure_hylafax.sh | sed 's/^/export PRONTO_TEST_/')"
# When one is missing, Debian's hylafax-server and hylafax-client are installed first (as root, or
# via sudo); without apt-get or root the script exits 1 saying what to install. The tests start private hfaxd/faxq
# pairs on their own spools and free ports: the machine's spool (/var/spool/hylafax) and port 4559
# are neither used nor touched.
#
# Installing never waits for an answer and leaves nothing running: debconf is non-interactive;
# DEBCONF_FRONTEND=noninteractive also makes the postinst's `faxsetup -server` skip its
# "run faxaddmodem?" loop, which otherwise re-reads an empty answer as "yes" and probes for modems
# forever; the whole install is bounded by a timeout; and the faxq (or hfaxd, faxsetup, ...) the
# postinst starts on the system spool is stopped again, by process id, afterwards.
set -euo pipefail

INSTALL_TIMEOUT="${PRONTO_HYLAFAX_INSTALL_TIMEOUT:-900}"
SYSTEM_SPOOL=/var/spool/hylafax

say() { echo "ensure_hylafax: $*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi; }
# Debian puts the daemons in /usr/sbin, which is often not on a normal user's PATH.
find_tool() {
  local name="$1" path
  for path in "$(command -v "$name" 2>/dev/null || true)" "/usr/sbin/$name" "/usr/bin/$name"; do
    if [ -n "$path" ] && [ -x "$path" ]; then echo "$path"; return 0; fi
  done
  return 1
}
# hfaxd and faxq print nothing without a syslog, so "usable" means: executable, libraries resolve.
usable() {
  [ -x "$1" ] || return 1
  if command -v ldd >/dev/null && ldd "$1" 2>/dev/null | grep -q "not found"; then return 1; fi
  return 0
}
all_present() { find_tool hfaxd >/dev/null && find_tool faxq >/dev/null && find_tool faxstat >/dev/null; }
# HylaFAX processes working on the system spool: private test spools always pass "-q <dir>".
system_spool_pids() {
  local name pid
  for name in faxq hfaxd faxgetty faxsetup faxaddmodem faxsetup.linux; do
    for pid in $(pgrep -x "$name" 2>/dev/null || true); do
      if ! tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- " -q "; then echo "$pid"; fi
    done
  done | sort -u
}

install_packages() {
  if ! command -v apt-get >/dev/null; then
    say "hfaxd/faxq are missing and there is no apt-get: install HylaFAX (hylafax-server, hylafax-client)"
    exit 1
  fi
  if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null; then
    say "hfaxd/faxq are missing; run as root (or install sudo) to install them:"
    say "  apt-get install hylafax-server hylafax-client"
    exit 1
  fi
  local before after pid was_mounted=no created_policy=no status=0
  before="$(system_spool_pids)"
  if mountpoint -q "$SYSTEM_SPOOL/etc" 2>/dev/null; then was_mounted=yes; fi
  # invoke-rc.d asks policy-rc.d whether to start services; 101 means "no" (Docker images ship it).
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    as_root sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d'
    created_policy=yes
  fi
  say "installing hylafax-server and hylafax-client from Debian's packages"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 || true
  as_root env DEBIAN_FRONTEND=noninteractive DEBCONF_FRONTEND=noninteractive DEBCONF_NONINTERACTIVE_SEEN=true \
    timeout --kill-after=30 "$INSTALL_TIMEOUT" \
    apt-get install -y -qq -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    hylafax-server hylafax-client </dev/null >/dev/null || status=$?
  if [ "$created_policy" = yes ]; then as_root rm -f /usr/sbin/policy-rc.d; fi
  # Stop what the postinst started (faxsetup runs faxq on the system spool), and only that.
  after="$(system_spool_pids)"
  for pid in $after; do
    if ! grep -qx "$pid" <<<"$before"; then
      say "stopping $(cat "/proc/$pid/comm" 2>/dev/null || echo process) $pid, started by the package's postinst"
      as_root kill -TERM "$pid" 2>/dev/null || true
    fi
  done
  sleep 1
  for pid in $after; do
    if ! grep -qx "$pid" <<<"$before" && [ -e "/proc/$pid" ]; then as_root kill -KILL "$pid" 2>/dev/null || true; fi
  done
  # hylafax_wrapper bind-mounts /etc/hylafax on the spool's etc around faxsetup; a killed faxsetup
  # leaves the mount behind.
  if [ "$was_mounted" = no ] && mountpoint -q "$SYSTEM_SPOOL/etc" 2>/dev/null; then
    as_root umount "$SYSTEM_SPOOL/etc" || true
  fi
  if [ "$status" = 124 ] || [ "$status" = 137 ]; then
    say "apt-get install did not finish within $INSTALL_TIMEOUT s and was stopped;"
    say "  finish the configuration with: DEBCONF_FRONTEND=noninteractive dpkg --configure -a"
    exit 1
  fi
  if [ "$status" != 0 ]; then
    say "apt-get could not install hylafax-server hylafax-client (exit $status)"
    exit 1
  fi
}

if ! all_present; then
  install_packages
fi
for tool in hfaxd faxq faxstat; do
  path="$(find_tool "$tool" || true)"
  if [ -z "$path" ] || ! usable "$path"; then
    say "no working $tool found (tried PATH, /usr/sbin and /usr/bin; packages hylafax-server, hylafax-client)"
    exit 1
  fi
  echo "$(tr '[:lower:]' '[:upper:]' <<<"$tool")=$path"
done
