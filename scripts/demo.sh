#!/usr/bin/env bash
# Set up and start the whole demo on this machine: database, demo users for each role, the
# web UI and API at http://127.0.0.1:${PORT:-8000}/. Embedded defaults: SQLite, Celery tasks
# in-process. Ctrl-C stops everything.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/setup.sh"
cd "$ROOT"

.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python manage.py seed_demo

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

.venv/bin/python manage.py runserver "${HOST:-127.0.0.1}:${PORT:-8000}" --noreload &
pids+=($!)
if [ -n "${CELERY_BROKER_URL:-}" ]; then
  .venv/bin/celery -A config worker --beat -l INFO --concurrency 2 &
  pids+=($!)
fi

echo
echo "Pronto demo: http://${HOST:-127.0.0.1}:${PORT:-8000}/  (API docs at /api/docs/, admin at /admin/)"
echo "Sign in with one of the users above; Ctrl-C stops the demo."
wait -n "${pids[@]}"
