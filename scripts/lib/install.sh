# shellcheck shell=bash
# What the scripts/ensure_*.sh share: their messages, running a command as root, finding a tool, and
# installing Debian packages without leaving a daemon running. Sourced, never run, by a script with
# `set -euo pipefail`, from its own directory so that any working directory will do:
#
#   source "$(dirname "${BASH_SOURCE[0]}")/lib/install.sh"
#
# Messages go to stderr, prefixed with the sourcing script's name ("ensure_kannel: ..."): stdout is
# left to the script's key=value lines, which scripts/test.sh exports as $PRONTO_TEST_*.

ENSURE_NAME="$(basename "${BASH_SOURCE[1]}" .sh)"
# Where find_tool looks after PATH. Debian puts daemons in /usr/sbin, often not on a user's PATH.
TOOL_DIRS=(/usr/sbin /usr/bin)
# install_without_daemons: its bound on `apt-get install` in seconds, extra environment for it, and
# who its "stopping ..." messages say started the daemon.
INSTALL_TIMEOUT=900
INSTALL_ENV=()
INSTALL_STARTER="the package's scripts"
# What install_without_daemons leaves: apt-get's exit status, and the daemons it sent TERM to.
INSTALL_STATUS=0
STARTED_PIDS=""

say() { echo "$ENSURE_NAME: $*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi; }

# find_tool NAME: NAME on PATH, else the first executable NAME in TOOL_DIRS.
find_tool() {
  local name="$1" path dir
  path="$(command -v "$name" 2>/dev/null || true)"
  if [ -n "$path" ] && [ -x "$path" ]; then echo "$path"; return 0; fi
  for dir in "${TOOL_DIRS[@]}"; do
    if [ -x "$dir/$name" ]; then echo "$dir/$name"; return 0; fi
  done
  return 1
}

# For daemons with no harmless option to try: executable, and its libraries resolve.
executable_and_linked() {
  [ -x "$1" ] || return 1
  if command -v ldd >/dev/null && ldd "$1" 2>/dev/null | grep -q "not found"; then return 1; fi
  return 0
}

# require_installer NO_APT_MESSAGE NOT_ROOT_LINE...: exit 1 with NO_APT_MESSAGE when there is no
# apt-get, or with the NOT_ROOT_LINEs when this is not root and there is no sudo.
require_installer() {
  local no_apt_message="$1" line
  shift
  if ! command -v apt-get >/dev/null; then
    say "$no_apt_message"
    exit 1
  fi
  if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null; then
    for line in "$@"; do say "$line"; done
    exit 1
  fi
}

apt_get_update() { as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 || true; }

# apt_get_install DESCRIPTION PACKAGE...: install the packages; returns apt-get's exit status.
apt_get_install() {
  say "installing $1 from Debian's packages"
  shift
  apt_get_update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" </dev/null >/dev/null
}

# install_without_daemons PIDS_FUNCTION DESCRIPTION PACKAGE...: install the packages, bounded by
# INSTALL_TIMEOUT, keeping the machine's changed configuration files, with no service started; any
# daemon the package's scripts start anyway (a pid PIDS_FUNCTION lists after but not before) is sent
# TERM. Leaves apt-get's exit status in INSTALL_STATUS (124 or 137: it was stopped by the timeout)
# and those pids in STARTED_PIDS; exit_unless_installed then ends the script on a failure.
install_without_daemons() {
  local pids_function="$1" description="$2" before after pid created_policy=no
  shift 2
  INSTALL_STATUS=0
  STARTED_PIDS=""
  before="$("$pids_function")"
  # invoke-rc.d asks policy-rc.d whether to start services; 101 means "no" (Docker images ship it).
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    as_root sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d'
    created_policy=yes
  fi
  say "installing $description from Debian's packages"
  apt_get_update
  as_root env DEBIAN_FRONTEND=noninteractive "${INSTALL_ENV[@]}" \
    timeout --kill-after=30 "$INSTALL_TIMEOUT" \
    apt-get install -y -qq -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    "$@" </dev/null >/dev/null || INSTALL_STATUS=$?
  if [ "$created_policy" = yes ]; then as_root rm -f /usr/sbin/policy-rc.d; fi
  after="$("$pids_function")"
  for pid in $after; do
    if ! grep -qx "$pid" <<<"$before"; then
      say "stopping $(cat "/proc/$pid/comm" 2>/dev/null || echo process) $pid, started by $INSTALL_STARTER"
      as_root kill -TERM "$pid" 2>/dev/null || true
      STARTED_PIDS+="$pid"$'\n'
    fi
  done
}

# exit_unless_installed PACKAGE...: after install_without_daemons, exit 1 when apt-get failed.
exit_unless_installed() {
  if [ "$INSTALL_STATUS" != 0 ]; then
    say "apt-get could not install $* (exit $INSTALL_STATUS)"
    exit 1
  fi
}
