#!/usr/bin/env bash
# Print where Debian's Chromium is, as CHROMIUM=/usr/bin/chromium, installing the chromium package
# first when it is missing (as root, or via sudo). The browser tests (tests/web) drive it with
# Playwright for Python; Playwright's own browser downloads are never used.
set -euo pipefail

say() { echo "ensure_chromium: $*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi; }
find_browser() {
  local path
  for path in "${PRONTO_TEST_CHROMIUM:-}" "$(command -v chromium 2>/dev/null || true)" /usr/bin/chromium; do
    if [ -n "$path" ] && [ -x "$path" ]; then echo "$path"; return 0; fi
  done
  return 1
}
usable() { local out; out="$("$1" --headless=new --no-sandbox --version 2>&1 || true)"; [[ "$out" == *Chromium* ]]; }

browser="$(find_browser || true)"
if [ -z "$browser" ]; then
  if ! command -v apt-get >/dev/null; then
    say "chromium is missing and there is no apt-get: install Chromium (Debian package chromium)"
    exit 1
  fi
  if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null; then
    say "chromium is missing; run as root (or install sudo) to install it: apt-get install chromium"
    exit 1
  fi
  say "installing chromium from Debian's packages"
  as_root apt-get update -qq >/dev/null 2>&1 || true
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium </dev/null >/dev/null; then
    say "apt-get could not install chromium"
    exit 1
  fi
  browser="$(find_browser || true)"
fi
if [ -z "$browser" ] || ! usable "$browser"; then
  say "no working chromium found (tried \$PRONTO_TEST_CHROMIUM, PATH, /usr/bin/chromium; package chromium)"
  exit 1
fi
echo "CHROMIUM=$browser"
