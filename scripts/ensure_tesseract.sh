#!/usr/bin/env bash
# Print the path of a usable tesseract binary (OCR), installing Debian's tesseract-ocr with its
# English and Italian data first when they are missing (as root, or via sudo). The fax page
# tests read the rendered TIFF back with it ($PRONTO_TEST_TESSERACT): what a fax machine prints
# must still be readable as text, in both languages the page is written in. No daemon.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib/install.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/install.sh"
TOOL_DIRS=(/usr/bin /usr/local/bin)
languages() { "$1" --list-langs 2>/dev/null || true; }
usable() {
  local langs
  langs="$(languages "$1")"
  grep -qx eng <<<"$langs" && grep -qx ita <<<"$langs"
}

binary="$(find_tool tesseract || true)"
if [ -z "$binary" ] || ! usable "$binary"; then
  require_installer "tesseract is missing and there is no apt-get: install tesseract-ocr with its eng and ita data" \
    "tesseract is missing; run as root (or install sudo) to install it: apt-get install tesseract-ocr tesseract-ocr-eng tesseract-ocr-ita"
  say "installing tesseract-ocr (eng, ita) from Debian's packages"
  apt_get_update
  # Another apt-get may hold the lock (a parallel ensure script): wait for it rather than fail.
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
    tesseract-ocr tesseract-ocr-eng tesseract-ocr-ita </dev/null >/dev/null; then
    say "apt-get could not install tesseract-ocr"
    exit 1
  fi
  binary="$(find_tool tesseract || true)"
fi
if [ -z "$binary" ] || ! usable "$binary"; then
  say "no working tesseract with eng and ita data found (package tesseract-ocr, tesseract-ocr-ita)"
  exit 1
fi
echo "TESSERACT=$binary"
