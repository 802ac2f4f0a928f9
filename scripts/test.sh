#!/usr/bin/env bash
# Set up and run the whole test suite: lint, migrations check, then pytest on SQLite and on
# PostgreSQL. Extra arguments go to pytest (e.g. scripts/test.sh -k telephony).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/setup.sh"
cd "$ROOT"
export PYTHONDONTWRITEBYTECODE=1

echo "== lint"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== import contracts (pyproject.toml [tool.importlinter])"
.venv/bin/lint-imports --no-cache
echo "== types (pyproject.toml [tool.mypy])"
# The Django plugin loads the settings; any database URL will do, nothing connects.
DATABASE_URL="sqlite:///$(mktemp -d)/mypy.sqlite3" .venv/bin/mypy
echo "== migrations are complete"
.venv/bin/python manage.py makemigrations --check --dry-run

echo "== hylafax, kannel, kamailio+sipp, redis, rabbitmq, chromium, dovecot and tesseract (installed if missing; the tests start private instances on free ports)"
if hylafax="$(bash scripts/ensure_hylafax.sh)"; then
  eval "$(echo "$hylafax" | sed 's/^/export PRONTO_TEST_/')"
  echo "$hylafax"
else
  echo "warning: no HylaFAX: its tests skip (and fail under CI=true)" >&2
fi
if [ -f scripts/ensure_kannel.sh ]; then
  if kannel="$(bash scripts/ensure_kannel.sh)"; then
    eval "$(echo "$kannel" | sed 's/^/export PRONTO_TEST_/')"
    echo "$kannel"
  else
    echo "warning: no Kannel: its tests skip (and fail under CI=true)" >&2
  fi
fi

if kamailio="$(bash scripts/ensure_kamailio.sh)"; then
  eval "$(echo "$kamailio" | sed 's/^/export PRONTO_TEST_/')"
  echo "$kamailio"
else
  echo "warning: no Kamailio/SIPp: the call-routing cfg tests skip (and fail under CI=true)" >&2
fi

if redis="$(bash scripts/ensure_redis.sh)"; then
  eval "$(echo "$redis" | sed 's/^/export PRONTO_TEST_/')"
  echo "$redis"
else
  echo "warning: no Redis: the Celery worker tests skip (and fail under CI=true)" >&2
fi

if rabbitmq="$(bash scripts/ensure_rabbitmq.sh)"; then
  eval "$(echo "$rabbitmq" | sed 's/^/export PRONTO_TEST_/')"
  echo "$rabbitmq"
else
  echo "warning: no RabbitMQ: the queue tests on RabbitMQ skip (and fail under CI=true)" >&2
fi

if chromium="$(bash scripts/ensure_chromium.sh)"; then
  eval "$(echo "$chromium" | sed 's/^/export PRONTO_TEST_/')"
  echo "$chromium"
else
  echo "warning: no Chromium: the browser tests skip (and fail under CI=true)" >&2
fi

if dovecot="$(bash scripts/ensure_dovecot.sh)"; then
  eval "$(echo "$dovecot" | sed 's/^/export PRONTO_TEST_/')"
  echo "$dovecot"
else
  echo "warning: no Dovecot: the inbound mail tests skip (and fail under CI=true)" >&2
fi

if tesseract="$(bash scripts/ensure_tesseract.sh)"; then
  eval "$(echo "$tesseract" | sed 's/^/export PRONTO_TEST_/')"
  echo "$tesseract"
else
  echo "warning: no Tesseract: the fax page's OCR test skips (and fails under CI=true)" >&2
fi

if pg_server="$(bash scripts/ensure_pg_server.sh)"; then
  eval "$(echo "$pg_server" | sed 's/^/export PRONTO_TEST_/')"
  echo "$pg_server"
else
  echo "warning: no PostgreSQL server binaries: the streaming replica test skips (and fails under CI=true)" >&2
fi

if sox="$(bash scripts/ensure_sox.sh)"; then
  eval "$(echo "$sox" | sed 's/^/export PRONTO_TEST_/')"
  echo "$sox"
else
  echo "warning: no sox: the call recording tests skip (and fail under CI=true)" >&2
fi

status=0
echo "== mosquitto (private brokers on free ports; the machine's own is left alone)"
if PRONTO_TEST_MOSQUITTO="$(bash scripts/ensure_mosquitto.sh)"; then
  export PRONTO_TEST_MOSQUITTO
  echo "$PRONTO_TEST_MOSQUITTO"
else
  echo "warning: no mosquitto: its tests skip (and fail under CI=true)" >&2
fi

echo "== pytest on SQLite"
DATABASE_URL="sqlite:///$(mktemp -d)/pronto-test.sqlite3" .venv/bin/pytest -m "not postgres and not fuzz" "$@" || status=$?

echo "== pytest on PostgreSQL"
pg_url="$(bash scripts/ensure_postgres.sh)"
# pytest-django creates test_<name> beside it; the name below is only the base.
DATABASE_URL="${pg_url%/*}/pronto" .venv/bin/pytest -m "not fuzz" "$@" || status=$?

# Once, on SQLite: it tests the API against its schema, not the database. The table at the end
# gives per role the operations, cases sent, operations that failed, and the stateful phase's
# links and steps (tests/fuzz/test_api_fuzz.py: fixed seed, bounded examples).
echo "== API fuzzing (Schemathesis over /api/schema/, per role)"
DATABASE_URL="sqlite:///$(mktemp -d)/pronto-fuzz.sqlite3" .venv/bin/pytest -m fuzz -p no:cacheprovider tests/fuzz \
  || status=$?
exit $status
