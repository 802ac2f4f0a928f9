#!/usr/bin/env bash
# Print the directory of PostgreSQL's server binaries (initdb, pg_ctl, pg_basebackup), installing
# Debian's postgresql package first when they are missing (as root, or via sudo). The replica test
# (tests/reports/test_replica.py reads it as $PRONTO_TEST_PG_BINDIR) starts its own primary and
# streaming standby on free ports from them: a PostgreSQL the machine already runs (on 5432, or a
# CI service) is neither used nor touched, and the package's own cluster is stopped again.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib/install.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/install.sh"

found() {
  local candidate
  for candidate in "$(pg_config --bindir 2>/dev/null || true)" $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
    if [ -n "$candidate" ] && [ -x "$candidate/initdb" ] && [ -x "$candidate/pg_ctl" ] \
      && [ -x "$candidate/pg_basebackup" ]; then
      echo "$candidate"; return 0
    fi
  done
  return 1
}

bindir="$(found || true)"
if [ -z "$bindir" ]; then
  require_installer "PostgreSQL's server binaries are missing and there is no apt-get: install package postgresql" \
    "PostgreSQL's server binaries are missing; run as root (or install sudo): apt-get install postgresql"
  before="$(pgrep -x postgres 2>/dev/null || true)"
  if ! apt_get_install PostgreSQL postgresql; then
    say "apt-get could not install postgresql"
    exit 1
  fi
  for pid in $(pgrep -x postgres 2>/dev/null || true); do
    if ! grep -qx "$pid" <<<"$before"; then as_root kill -TERM "$pid" 2>/dev/null || true; fi
  done
  bindir="$(found || true)"
fi
if [ -z "$bindir" ]; then
  say "no PostgreSQL server binaries found (tried pg_config --bindir, /usr/lib/postgresql/*/bin)"
  exit 1
fi
echo "PG_BINDIR=$bindir"
