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

# shellcheck source-path=SCRIPTDIR source=lib/install.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/install.sh"
INSTALL_TIMEOUT="${PRONTO_HYLAFAX_INSTALL_TIMEOUT:-900}"
INSTALL_ENV=(DEBCONF_FRONTEND=noninteractive DEBCONF_NONINTERACTIVE_SEEN=true)
INSTALL_STARTER="the package's postinst"
SYSTEM_SPOOL=/var/spool/hylafax

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
  require_installer \
    "hfaxd/faxq are missing and there is no apt-get: install HylaFAX (hylafax-server, hylafax-client)" \
    "hfaxd/faxq are missing; run as root (or install sudo) to install them:" \
    "  apt-get install hylafax-server hylafax-client"
  local pid was_mounted=no
  if mountpoint -q "$SYSTEM_SPOOL/etc" 2>/dev/null; then was_mounted=yes; fi
  # TERM goes to what the postinst started (faxsetup runs faxq on the system spool), and only that;
  # what still runs a second later gets KILL.
  install_without_daemons system_spool_pids "hylafax-server and hylafax-client" hylafax-server hylafax-client
  sleep 1
  for pid in $STARTED_PIDS; do
    if [ -e "/proc/$pid" ]; then as_root kill -KILL "$pid" 2>/dev/null || true; fi
  done
  # hylafax_wrapper bind-mounts /etc/hylafax on the spool's etc around faxsetup; a killed faxsetup
  # leaves the mount behind.
  if [ "$was_mounted" = no ] && mountpoint -q "$SYSTEM_SPOOL/etc" 2>/dev/null; then
    as_root umount "$SYSTEM_SPOOL/etc" || true
  fi
  if [ "$INSTALL_STATUS" = 124 ] || [ "$INSTALL_STATUS" = 137 ]; then
    say "apt-get install did not finish within $INSTALL_TIMEOUT s and was stopped;"
    say "  finish the configuration with: DEBCONF_FRONTEND=noninteractive dpkg --configure -a"
    exit 1
  fi
  exit_unless_installed hylafax-server hylafax-client
}

if ! all_present; then
  install_packages
fi
for tool in hfaxd faxq faxstat; do
  path="$(find_tool "$tool" || true)"
  # hfaxd and faxq print nothing without a syslog: no option to try.
  if [ -z "$path" ] || ! executable_and_linked "$path"; then
    say "no working $tool found (tried PATH, /usr/sbin and /usr/bin; packages hylafax-server, hylafax-client)"
    exit 1
  fi
  echo "$(tr '[:lower:]' '[:upper:]' <<<"$tool")=$path"
done
