#!/usr/bin/env bash
# Print the path of a usable redis-server binary, installing Debian's redis-server package first
# when it is missing (as root, or via sudo). The tests start private servers on free ports from
# this binary (tests/servers/redis.py reads it as $PRONTO_TEST_REDIS_SERVER): the machine's own
# Redis (if any, usually on 6379) is neither used nor touched, and installing starts no daemon
# that is left running (any redis-server the package's scripts started is stopped again).
set -euo pipefail

say() { echo "ensure_redis: $*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi; }
find_server() {
  local path
  for path in "$(command -v redis-server 2>/dev/null || true)" /usr/bin/redis-server /usr/sbin/redis-server; do
    if [ -n "$path" ] && [ -x "$path" ]; then echo "$path"; return 0; fi
  done
  return 1
}
usable() { local out; out="$("$1" --version 2>&1 || true)"; [[ "$out" == *"Redis server"* ]]; }

server="$(find_server || true)"
if [ -z "$server" ]; then
  if ! command -v apt-get >/dev/null; then
    say "redis-server is missing and there is no apt-get: install Redis (package redis-server)"
    exit 1
  fi
  if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null; then
    say "redis-server is missing; run as root (or install sudo) to install it: apt-get install redis-server"
    exit 1
  fi
  before="$(pgrep -x redis-server 2>/dev/null || true)"
  say "installing redis-server from Debian's packages"
  as_root apt-get update -qq >/dev/null 2>&1 || true
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server </dev/null >/dev/null; then
    say "apt-get could not install redis-server"
    exit 1
  fi
  for pid in $(pgrep -x redis-server 2>/dev/null || true); do
    if ! grep -qx "$pid" <<<"$before"; then as_root kill -TERM "$pid" 2>/dev/null || true; fi
  done
  server="$(find_server || true)"
fi
if [ -z "$server" ] || ! usable "$server"; then
  say "no working redis-server found (tried PATH, /usr/bin, /usr/sbin; package redis-server)"
  exit 1
fi
echo "REDIS_SERVER=$server"
