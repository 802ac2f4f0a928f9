#!/usr/bin/env bash
# Print the path of usable Dovecot binaries (the IMAP server and its LMTP delivery), installing
# Debian's dovecot-imapd and dovecot-lmtpd first when they are missing (as root, or via sudo).
# The inbound mail tests start a private Dovecot on free ports with a configuration of their own
# (tests/servers/dovecot.py reads $PRONTO_TEST_DOVECOT): the machine's own Dovecot, if any, is
# neither used nor touched, and any daemon the package's scripts started is stopped again.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib/install.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/install.sh"
TOOL_DIRS=(/usr/sbin /usr/bin)
usable() { local out; out="$("$1" --version 2>&1 || true)"; [[ "$out" =~ ^[0-9] ]]; }
dovecot_pids() { pgrep -x dovecot 2>/dev/null || true; }
have_lmtp() { [ -x /usr/lib/dovecot/lmtp ] && [ -x /usr/lib/dovecot/imap ]; }

server="$(find_tool dovecot || true)"
if [ -z "$server" ] || ! have_lmtp; then
  require_installer "dovecot is missing and there is no apt-get: install dovecot-imapd and dovecot-lmtpd" \
    "dovecot is missing; run as root (or install sudo) to install it: apt-get install dovecot-imapd dovecot-lmtpd"
  install_without_daemons dovecot_pids "dovecot-imapd and dovecot-lmtpd" dovecot-imapd dovecot-lmtpd
  exit_unless_installed dovecot-imapd dovecot-lmtpd
  server="$(find_tool dovecot || true)"
fi
if [ -z "$server" ] || ! usable "$server" || ! have_lmtp; then
  say "no working dovecot found (tried PATH, /usr/sbin, /usr/bin; packages dovecot-imapd dovecot-lmtpd)"
  exit 1
fi
echo "DOVECOT=$server"
