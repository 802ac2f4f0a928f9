#!/usr/bin/env bash
# Print where Debian's Chromium is, as CHROMIUM=/usr/bin/chromium, installing the chromium package
# first when it is missing (as root, or via sudo). The browser tests (tests/web) drive it with
# Playwright for Python; Playwright's own browser downloads are never used.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib/install.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/install.sh"
TOOL_DIRS=(/usr/bin)
find_browser() {
  if [ -n "${PRONTO_TEST_CHROMIUM:-}" ] && [ -x "$PRONTO_TEST_CHROMIUM" ]; then
    echo "$PRONTO_TEST_CHROMIUM"
  else
    find_tool chromium
  fi
}
usable() { local out; out="$("$1" --headless=new --no-sandbox --version 2>&1 || true)"; [[ "$out" == *Chromium* ]]; }

browser="$(find_browser || true)"
if [ -z "$browser" ]; then
  require_installer "chromium is missing and there is no apt-get: install Chromium (Debian package chromium)" \
    "chromium is missing; run as root (or install sudo) to install it: apt-get install chromium"
  if ! apt_get_install chromium chromium; then
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
