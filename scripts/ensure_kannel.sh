#!/usr/bin/env bash
# Make sure Kannel's SMS gateway daemons and its fake SMSC are installed and print where they are,
# one key=value a line:
#
#   BEARERBOX=/usr/sbin/bearerbox              talks to the SMSCs (here: the fake one)
#   SMSBOX=/usr/sbin/smsbox                    the HTTP side: sendsms, sms-service get-urls, DLR urls
#   FAKESMSC=/usr/lib/kannel/test/fakesmsc     the "phone network" of the tests (package kannel-extras)
#
# tests/servers/kannel.py reads them as $PRONTO_TEST_BEARERBOX, ...:
#   eval "$(scripts/ensure_kannel.sh | sed 's/^/export PRONTO_TEST_/')"
# When one is missing, Debian's kannel and kannel-extras are installed first (as root, or via
# sudo); without apt-get or root the script exits 1 saying what to install. The tests start
# private bearerbox/smsbox/fakesmsc trios on free loopback ports with their own kannel.conf: the
# machine's /etc/kannel and ports 13000/13013 are neither used nor touched. Installing starts no
# daemon (policy-rc.d says no), and any Kannel daemon the package's scripts started anyway is
# stopped again, by process id.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib/install.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/install.sh"
# Debian puts the daemons in /usr/sbin (often not on a user's PATH) and fakesmsc in /usr/lib/kannel/test.
TOOL_DIRS=(/usr/sbin /usr/bin /usr/lib/kannel/test /usr/local/sbin /usr/local/lib/kannel/test)
PACKAGES=(kannel kannel-extras)

all_present() { find_tool bearerbox >/dev/null && find_tool smsbox >/dev/null && find_tool fakesmsc >/dev/null; }
kannel_pids() { for name in bearerbox smsbox wapbox run_kannel_box; do pgrep -x "$name" 2>/dev/null || true; done | sort -u; }

install_packages() {
  require_installer \
    "bearerbox/smsbox/fakesmsc are missing and there is no apt-get: install Kannel (kannel, kannel-extras)" \
    "bearerbox/smsbox/fakesmsc are missing; run as root (or install sudo) to install them:" \
    "  apt-get install ${PACKAGES[*]}"
  install_without_daemons kannel_pids "kannel and kannel-extras" "${PACKAGES[@]}"
  exit_unless_installed "${PACKAGES[@]}"
}

if ! all_present; then
  install_packages
fi
for tool in bearerbox smsbox fakesmsc; do
  path="$(find_tool "$tool" || true)"
  # fakesmsc has no harmless option to try (without arguments it connects to port 10000).
  if [ -z "$path" ] || ! executable_and_linked "$path"; then
    say "no working $tool found (tried PATH, /usr/sbin, /usr/bin, /usr/lib/kannel/test; packages kannel, kannel-extras)"
    exit 1
  fi
  echo "$(tr '[:lower:]' '[:upper:]' <<<"$tool")=$path"
done
