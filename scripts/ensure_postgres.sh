#!/usr/bin/env bash
# Print the URL of a PostgreSQL server the tests may create databases on.
# 1. $PRONTO_TEST_POSTGRES_URL when set;
# 2. the machine's own server on 127.0.0.1:5432 (user postgres, trust auth), when it answers;
# 3. otherwise (or with PRONTO_TEST_PG_PRIVATE=1) a private cluster in /tmp on a free port, installing PostgreSQL if missing.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if [ -n "${PRONTO_TEST_POSTGRES_URL:-}" ]; then echo "$PRONTO_TEST_POSTGRES_URL"; exit 0; fi

# shellcheck source-path=SCRIPTDIR source=lib/install.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/install.sh"
answers() { "$ROOT/.venv/bin/python" - "$1" <<'PY' >/dev/null 2>&1
import sys, psycopg
psycopg.connect(sys.argv[1], connect_timeout=3).close()
PY
}

if [ -z "${PRONTO_TEST_PG_PRIVATE:-}" ] && answers "postgresql://postgres@127.0.0.1:5432/postgres"; then
  echo "postgresql://postgres@127.0.0.1:5432/postgres"; exit 0
fi

bindir=""
for candidate in "$(pg_config --bindir 2>/dev/null || true)" /usr/lib/postgresql/*/bin; do
  if [ -n "$candidate" ] && [ -x "$candidate/initdb" ] && [ -x "$candidate/pg_ctl" ]; then bindir="$candidate"; fi
done
if [ -z "$bindir" ]; then
  apt_get_install PostgreSQL postgresql
  bindir="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)"
fi

# initdb refuses to run as root: run the private cluster as the postgres system user.
run_as=()
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/false postgres
  run_as=(runuser -u postgres --)
fi
data="/tmp/pronto-test-pg"
port="$("$ROOT/.venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
if [ -f "$data/postmaster.pid" ]; then "${run_as[@]}" "$bindir/pg_ctl" -D "$data" -m immediate stop >/dev/null 2>&1 || true; fi
rm -rf "$data"
mkdir -p "$data" && [ ${#run_as[@]} -eq 0 ] || chown postgres "$data"
"${run_as[@]}" "$bindir/initdb" -D "$data" -U postgres --auth=trust -E UTF8 >/dev/null
"${run_as[@]}" "$bindir/pg_ctl" -D "$data" -w -l "$data/server.log" \
  -o "-p $port -k $data -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
echo "postgresql://postgres@127.0.0.1:$port/postgres"
