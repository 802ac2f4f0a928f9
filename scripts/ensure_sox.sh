#!/usr/bin/env bash
# Print the path of a usable sox binary, installing Debian's sox with its MP3 format handler
# (libsox-fmt-mp3) and opus-tools first when they are missing (as root, or via sudo). The
# recording tests (tests/quality/) make real WAV, MP3 and Ogg/Opus files with them
# ($PRONTO_TEST_SOX, $PRONTO_TEST_OPUSENC): what the phone system hands over is judged by its
# content, so the tests feed real audio, not bytes that merely start right. No daemon.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib/install.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/install.sh"
TOOL_DIRS=(/usr/bin /usr/local/bin)
# Writing MP3 needs libsox-fmt-mp3 (LAME): make a short file, since `--help-format` says too little.
usable() {
  local probe
  probe="$(mktemp --suffix=.mp3)"
  if "$1" -q -n -r 8000 -c 1 "$probe" synth 0.1 sine 440 2>/dev/null && [ -s "$probe" ]; then
    rm -f "$probe"
    return 0
  fi
  rm -f "$probe"
  return 1
}

binary="$(find_tool sox || true)"
opusenc="$(find_tool opusenc || true)"
if [ -z "$binary" ] || ! usable "$binary" || [ -z "$opusenc" ]; then
  require_installer "sox is missing and there is no apt-get: install sox, libsox-fmt-mp3 and opus-tools" \
    "sox is missing; run as root (or install sudo) to install it: apt-get install sox libsox-fmt-mp3 opus-tools"
  say "installing sox, libsox-fmt-mp3 and opus-tools from Debian's packages"
  apt_get_update
  # Another apt-get may hold the lock (a parallel ensure script): wait for it rather than fail.
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
    sox libsox-fmt-mp3 opus-tools </dev/null >/dev/null; then
    say "apt-get could not install sox"
    exit 1
  fi
  binary="$(find_tool sox || true)"
  opusenc="$(find_tool opusenc || true)"
fi
if [ -z "$binary" ] || ! usable "$binary"; then
  say "no working sox with MP3 support found (packages sox, libsox-fmt-mp3)"
  exit 1
fi
echo "SOX=$binary"
if [ -n "$opusenc" ]; then echo "OPUSENC=$opusenc"; fi
