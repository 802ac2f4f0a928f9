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

say() { echo "ensure_kannel: $*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi; }
# Debian puts the daemons in /usr/sbin (often not on a user's PATH) and fakesmsc in /usr/lib/kannel/test.
find_tool() {
  local name="$1" path
  for path in "$(command -v "$name" 2>/dev/null || true)" "/usr/sbin/$name" "/usr/bin/$name" \
    "/usr/lib/kannel/test/$name" "/usr/local/sbin/$name" "/usr/local/lib/kannel/test/$name"; do
    if [ -n "$path" ] && [ -x "$path" ]; then echo "$path"; return 0; fi
  done
  return 1
}
# fakesmsc has no harmless option to try (without arguments it connects to port 10000), so for
# all three "usable" means: executable, and its libraries resolve.
usable() {
  [ -x "$1" ] || return 1
  if command -v ldd >/dev/null && ldd "$1" 2>/dev/null | grep -q "not found"; then return 1; fi
  return 0
}
all_present() { find_tool bearerbox >/dev/null && find_tool smsbox >/dev/null && find_tool fakesmsc >/dev/null; }
kannel_pids() { for name in bearerbox smsbox wapbox run_kannel_box; do pgrep -x "$name" 2>/dev/null || true; done | sort -u; }

install_packages() {
  if ! command -v apt-get >/dev/null; then
    say "bearerbox/smsbox/fakesmsc are missing and there is no apt-get: install Kannel (kannel, kannel-extras)"
    exit 1
  fi
  if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null; then
    say "bearerbox/smsbox/fakesmsc are missing; run as root (or install sudo) to install them:"
    say "  apt-get install kannel kannel-extras"
    exit 1
  fi
  local before after pid created_policy=no status=0
  before="$(kannel_pids)"
  # invoke-rc.d asks policy-rc.d whether to start services; 101 means "no" (Docker images ship it).
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    as_root sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d'
    created_policy=yes
  fi
  say "installing kannel and kannel-extras from Debian's packages"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 || true
  as_root env DEBIAN_FRONTEND=noninteractive timeout --kill-after=30 900 \
    apt-get install -y -qq -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    kannel kannel-extras </dev/null >/dev/null || status=$?
  if [ "$created_policy" = yes ]; then as_root rm -f /usr/sbin/policy-rc.d; fi
  after="$(kannel_pids)"
  for pid in $after; do
    if ! grep -qx "$pid" <<<"$before"; then
      say "stopping $(cat "/proc/$pid/comm" 2>/dev/null || echo process) $pid, started by the package's scripts"
      as_root kill -TERM "$pid" 2>/dev/null || true
    fi
  done
  if [ "$status" != 0 ]; then
    say "apt-get could not install kannel kannel-extras (exit $status)"
    exit 1
  fi
}

if ! all_present; then
  install_packages
fi
for tool in bearerbox smsbox fakesmsc; do
  path="$(find_tool "$tool" || true)"
  if [ -z "$path" ] || ! usable "$path"; then
    say "no working $tool found (tried PATH, /usr/sbin, /usr/bin, /usr/lib/kannel/test; packages kannel, kannel-extras)"
    exit 1
  fi
  echo "$(tr '[:lower:]' '[:upper:]' <<<"$tool")=$path"
done
