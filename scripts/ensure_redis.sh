#!/usr/bin/env bash
# Print the path of a usable redis-server binary, installing Debian's redis-server package first
# when it is missing (as root, or via sudo). The tests start private servers on free ports from
# this binary (tests/servers/redis.py reads it as $PRONTO_TEST_REDIS_SERVER): the machine's own
# Redis (if any, usually on 6379) is neither used nor touched, and installing starts no daemon
# that is left running (any redis-server the package's scripts started is stopped again).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib/install.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/install.sh"
TOOL_DIRS=(/usr/bin /usr/sbin)
usable() { local out; out="$("$1" --version 2>&1 || true)"; [[ "$out" == *"Redis server"* ]]; }

server="$(find_tool redis-server || true)"
if [ -z "$server" ]; then
  require_installer "redis-server is missing and there is no apt-get: install Redis (package redis-server)" \
    "redis-server is missing; run as root (or install sudo) to install it: apt-get install redis-server"
  before="$(pgrep -x redis-server 2>/dev/null || true)"
  if ! apt_get_install redis-server redis-server; then
    say "apt-get could not install redis-server"
    exit 1
  fi
  for pid in $(pgrep -x redis-server 2>/dev/null || true); do
    if ! grep -qx "$pid" <<<"$before"; then as_root kill -TERM "$pid" 2>/dev/null || true; fi
  done
  server="$(find_tool redis-server || true)"
fi
if [ -z "$server" ] || ! usable "$server"; then
  say "no working redis-server found (tried PATH, /usr/bin, /usr/sbin; package redis-server)"
  exit 1
fi
echo "REDIS_SERVER=$server"
