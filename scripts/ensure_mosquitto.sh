#!/usr/bin/env bash
# Print the path of a usable Mosquitto broker binary. When it, mosquitto_pub or mosquitto_sub is
# missing, install Debian's mosquitto and mosquitto-clients packages first (as root, or via sudo).
# The tests start private brokers on free ports from this binary: the machine's own Mosquitto
# (if any, usually on 1883) is neither used nor touched.
set -euo pipefail

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi; }
# Debian puts the broker in /usr/sbin, which is often not on a normal user's PATH.
find_broker() {
  local path
  for path in "$(command -v mosquitto 2>/dev/null || true)" /usr/sbin/mosquitto; do
    if [ -n "$path" ] && [ -x "$path" ]; then echo "$path"; return 0; fi
  done
  return 1
}
# `mosquitto -h` prints its version and exits with status 3.
usable() { local out; out="$("$1" -h 2>&1 || true)"; [[ "$out" == *"mosquitto version"* ]]; }
clients() { command -v mosquitto_pub >/dev/null && command -v mosquitto_sub >/dev/null; }

broker="$(find_broker || true)"
if [ -z "$broker" ] || ! clients; then
  if ! command -v apt-get >/dev/null; then
    echo "ensure_mosquitto: mosquitto is missing and there is no apt-get: install mosquitto and mosquitto-clients" >&2
    exit 1
  fi
  if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null; then
    echo "ensure_mosquitto: mosquitto is missing; run as root (or install sudo) to install it:" >&2
    echo "  apt-get install mosquitto mosquitto-clients" >&2
    exit 1
  fi
  echo "ensure_mosquitto: installing mosquitto and mosquitto-clients from Debian's packages" >&2
  as_root apt-get update -qq >/dev/null 2>&1 || true
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mosquitto mosquitto-clients >/dev/null; then
    echo "ensure_mosquitto: apt-get could not install mosquitto mosquitto-clients" >&2
    exit 1
  fi
  broker="$(find_broker || true)"
fi
if [ -z "$broker" ] || ! usable "$broker"; then
  echo "ensure_mosquitto: no working mosquitto binary found (tried PATH and /usr/sbin/mosquitto)" >&2
  exit 1
fi
if ! clients; then
  echo "ensure_mosquitto: mosquitto_pub / mosquitto_sub are still missing (package mosquitto-clients)" >&2
  exit 1
fi
echo "$broker"
