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

# shellcheck source-path=SCRIPTDIR source=lib/install.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/install.sh"
TOOL_DIRS=(/usr/sbin /usr/bin /usr/local/sbin)
PACKAGES=(kamailio kamailio-utils-modules kamailio-extra-modules kamailio-json-modules kamailio-tls-modules sip-tester)
# What deploy/kamailio/kamailio.cfg loads.
MODULES=(kex corex tm tmx sl rr pv maxfwd textops siputils xlog htable rtimer http_client crypto jansson)

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
  require_installer \
    "kamailio/sipp or a module is missing and there is no apt-get: install ${PACKAGES[*]}" \
    "kamailio/sipp or a module is missing; run as root (or install sudo) to install them:" \
    "  apt-get install ${PACKAGES[*]}"
  install_without_daemons kamailio_pids "${PACKAGES[*]}" "${PACKAGES[@]}"
  exit_unless_installed "${PACKAGES[@]}"
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
