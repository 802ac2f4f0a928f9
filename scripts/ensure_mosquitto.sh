#!/usr/bin/env bash
# Print the path of a usable Mosquitto broker binary. When it, mosquitto_pub or mosquitto_sub is
# missing, install Debian's mosquitto and mosquitto-clients packages first (as root, or via sudo).
# The tests start private brokers on free ports from this binary: the machine's own Mosquitto
# (if any, usually on 1883) is neither used nor touched.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib/install.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/install.sh"
TOOL_DIRS=(/usr/sbin)
# `mosquitto -h` prints its version and exits with status 3.
usable() { local out; out="$("$1" -h 2>&1 || true)"; [[ "$out" == *"mosquitto version"* ]]; }
clients() { command -v mosquitto_pub >/dev/null && command -v mosquitto_sub >/dev/null; }

broker="$(find_tool mosquitto || true)"
if [ -z "$broker" ] || ! clients; then
  require_installer "mosquitto is missing and there is no apt-get: install mosquitto and mosquitto-clients" \
    "mosquitto is missing; run as root (or install sudo) to install it:" \
    "  apt-get install mosquitto mosquitto-clients"
  if ! apt_get_install "mosquitto and mosquitto-clients" mosquitto mosquitto-clients; then
    say "apt-get could not install mosquitto mosquitto-clients"
    exit 1
  fi
  broker="$(find_tool mosquitto || true)"
fi
if [ -z "$broker" ] || ! usable "$broker"; then
  say "no working mosquitto binary found (tried PATH and /usr/sbin/mosquitto)"
  exit 1
fi
if ! clients; then
  say "mosquitto_pub / mosquitto_sub are still missing (package mosquitto-clients)"
  exit 1
fi
echo "$broker"
