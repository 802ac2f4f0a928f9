#!/usr/bin/env bash
# Set up and start the whole demo on this machine: database, demo users for each role, the
# web UI and API at http://127.0.0.1:${PORT:-8000}/, simulated plants (Modbus servers and MQTT
# publishers), simulated calls (routing's phone system), the telemetry listener and the fleet
# poller. Embedded defaults: SQLite, Celery tasks in-process. MQTT uses the broker at PRONTO_MQTT_HOST:PRONTO_MQTT_PORT (127.0.0.1:1883)
# when one answers there, else a private Mosquitto (installed if missing). Ctrl-C stops everything.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/setup.sh"
cd "$ROOT"

.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python manage.py seed_demo
.venv/bin/python manage.py seed_routing_demo
.venv/bin/python manage.py seed_clocks_demo
.venv/bin/python manage.py seed_shifts_demo
.venv/bin/python manage.py seed_oncall_demo
.venv/bin/python manage.py seed_network_demo
.venv/bin/python manage.py seed_incident_demo
.venv/bin/python manage.py seed_inbound_demo
.venv/bin/python manage.py seed_reviews_demo

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
export PRONTO_MQTT_HOST="${PRONTO_MQTT_HOST:-127.0.0.1}" PRONTO_MQTT_PORT="${PRONTO_MQTT_PORT:-1883}"
if ! port_open "$PRONTO_MQTT_HOST" "$PRONTO_MQTT_PORT"; then
  broker="$(bash scripts/ensure_mosquitto.sh)"
  mkdir -p var/mosquitto
  PRONTO_MQTT_HOST=127.0.0.1
  PRONTO_MQTT_PORT="$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence true\npersistence_location %s/\nmax_queued_messages 0\n' \
    "$PRONTO_MQTT_PORT" "$ROOT/var/mosquitto" >var/mosquitto/mosquitto.conf
  [ "$(id -u)" = 0 ] && echo "user root" >>var/mosquitto/mosquitto.conf
  "$broker" -c var/mosquitto/mosquitto.conf >var/mosquitto/mosquitto.log 2>&1 &
  pids+=($!)
  for _ in $(seq 50); do port_open 127.0.0.1 "$PRONTO_MQTT_PORT" && break; sleep 0.1; done
  echo "Private Mosquitto on 127.0.0.1:$PRONTO_MQTT_PORT"
fi

.venv/bin/python manage.py runserver "${HOST:-127.0.0.1}:${PORT:-8000}" --noreload &
pids+=($!)
.venv/bin/python manage.py simulate_plants &
pids+=($!)
.venv/bin/python manage.py telemetry_listen &
pids+=($!)
.venv/bin/python manage.py telemetry_poll &
pids+=($!)
# The phone system, simulated: callers, the switch's queue and six operators' phones (routing).
( sleep 3; exec .venv/bin/python manage.py simulate_calls --url "http://127.0.0.1:${PORT:-8000}" --rate "${PRONTO_DEMO_CALLS_PER_MINUTE:-4}" ) &
pids+=($!)
if [ -n "${CELERY_BROKER_URL:-}" ]; then
  .venv/bin/celery -A config worker --beat -l INFO --concurrency 2 &
  pids+=($!)
else
  # No broker: tasks run in-process; this loop stands in for Celery beat.
  .venv/bin/python manage.py run_periodic --every 5 > /dev/null &
  pids+=($!)
fi

echo
echo "Pronto demo: http://${HOST:-127.0.0.1}:${PORT:-8000}/  (API docs at /api/docs/, admin at /admin/)"
echo "Simulated plants: REMI-MI-001 normal, SOLL-BO-102 out of service, EDI-BO-103 unreachable (Modbus);"
echo "GRF-MI-002 anomaly, ASC-BO-101 flapping (MQTT on $PRONTO_MQTT_HOST:$PRONTO_MQTT_PORT)."
echo "Live check: GET /api/plants/<id>/status/ ; latest state: GET /api/plants/<id>/state/"
echo "Simulated calls on lines 800100 (gas) and 800200 (lifts): see the wallboard at /wallboard/."
echo "Sign in with one of the users above; Ctrl-C stops the demo."
wait -n "${pids[@]}"
