#!/usr/bin/env bash
# Make sure Kamailio (the SIP server that routes calls by asking Pronto) and SIPp (the callers and
# operators' phones of the tests) are installed, and print where they are, one key=value a line:
#
#   KAMAILIO=/usr/sbin/kamailio
#   KAMAILIO_MODULES=/usr/lib/x86_64-linux-gnu/kamailio/modules   (-L of deploy/kamailio/kamailio.cfg)
#   SIPP=/usr/bin/sipp
#
# tests/servers/kamailio.py and tests/servers/sipp.py read them as $PRONTO_TEST_KAMAILIO, ...:
#   eval "$(scripts/ensure_kamailio.sh | sed 's/^/export PRONTO_TEST_/')"
# When something is missing, Debian's kamailio, kamailio-utils-modules (http_client),
# kamailio-extra-modules (jansson), kamailio-json-modules, kamailio-tls-modules (crypto) and
# sip-tester (sipp) are installed first (as root, or via sudo); without apt-get or root the script
# exits 1 saying what to install. The tests run private Kamailios in the foreground on free
# loopback ports with the shipped cfg: the machine's /etc/kamailio and port 5060 are neither used
# nor touched. Installing starts no daemon (policy-rc.d says no), and any Kamailio the package's
# scripts started anyway is stopped again, by process id.
set -euo pipefail

PACKAGES=(kamailio kamailio-utils-modules kamailio-extra-modules kamailio-json-modules kamailio-tls-modules sip-tester)
# What deploy/kamailio/kamailio.cfg loads.
MODULES=(kex corex tm tmx sl rr pv maxfwd textops siputils xlog htable rtimer http_client crypto jansson)

say() { echo "ensure_kamailio: $*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi; }
find_tool() {
  local name="$1" path
  for path in "$(command -v "$name" 2>/dev/null || true)" "/usr/sbin/$name" "/usr/bin/$name" "/usr/local/sbin/$name"; do
    if [ -n "$path" ] && [ -x "$path" ]; then echo "$path"; return 0; fi
  done
  return 1
}
# The modules directory: Debian's multiarch place, else wherever tm.so is.
find_modules() {
  local dir
  for dir in "/usr/lib/$(uname -m)-linux-gnu/kamailio/modules" /usr/lib/x86_64-linux-gnu/kamailio/modules \
    /usr/lib/aarch64-linux-gnu/kamailio/modules /usr/lib64/kamailio/modules /usr/lib/kamailio/modules \
    /usr/local/lib64/kamailio/modules /usr/local/lib/kamailio/modules; do
    if [ -f "$dir/tm.so" ]; then echo "$dir"; return 0; fi
  done
  return 1
}
missing_modules() {
  local dir="$1" module
  for module in "${MODULES[@]}"; do [ -f "$dir/$module.so" ] || echo "$module"; done
}
all_present() {
  local dir
  find_tool kamailio >/dev/null && find_tool sipp >/dev/null && dir="$(find_modules)" \
    && [ -z "$(missing_modules "$dir")" ]
}
kamailio_pids() { pgrep -x kamailio 2>/dev/null | sort -u || true; }

install_packages() {
  if ! command -v apt-get >/dev/null; then
    say "kamailio/sipp or a module is missing and there is no apt-get: install ${PACKAGES[*]}"
    exit 1
  fi
  if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null; then
    say "kamailio/sipp or a module is missing; run as root (or install sudo) to install them:"
    say "  apt-get install ${PACKAGES[*]}"
    exit 1
  fi
  local before after pid created_policy=no status=0
  before="$(kamailio_pids)"
  # invoke-rc.d asks policy-rc.d whether to start services; 101 means "no".
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    as_root sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d'
    created_policy=yes
  fi
  say "installing ${PACKAGES[*]} from Debian's packages"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 || true
  as_root env DEBIAN_FRONTEND=noninteractive timeout --kill-after=30 900 \
    apt-get install -y -qq -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    "${PACKAGES[@]}" </dev/null >/dev/null || status=$?
  if [ "$created_policy" = yes ]; then as_root rm -f /usr/sbin/policy-rc.d; fi
  after="$(kamailio_pids)"
  for pid in $after; do
    if ! grep -qx "$pid" <<<"$before"; then
      say "stopping kamailio $pid, started by the package's scripts"
      as_root kill -TERM "$pid" 2>/dev/null || true
    fi
  done
  if [ "$status" != 0 ]; then
    say "apt-get could not install ${PACKAGES[*]} (exit $status)"
    exit 1
  fi
}

if ! all_present; then
  install_packages
fi
kamailio="$(find_tool kamailio || true)"
if [ -z "$kamailio" ] || [[ "$("$kamailio" -v 2>&1 || true)" != *"version: kamailio"* ]]; then
  say "no working kamailio found (tried PATH, /usr/sbin, /usr/bin; package kamailio)"
  exit 1
fi
modules="$(find_modules || true)"
if [ -z "$modules" ]; then
  say "no Kamailio modules directory with tm.so found (package kamailio)"
  exit 1
fi
missing="$(missing_modules "$modules" | tr '\n' ' ')"
if [ -n "$missing" ]; then
  say "modules missing in $modules: $missing(packages ${PACKAGES[*]})"
  exit 1
fi
sipp="$(find_tool sipp || true)"
# `sipp -v` prints its version and exits with status 99.
if [ -z "$sipp" ] || [[ "$("$sipp" -v 2>&1 || true)" != *"SIPp v"* ]]; then
  say "no working sipp found (package sip-tester)"
  exit 1
fi
echo "KAMAILIO=$kamailio"
echo "KAMAILIO_MODULES=$modules"
echo "SIPP=$sipp"
