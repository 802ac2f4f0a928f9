#!/usr/bin/env python
"""A reduced storm of the whole system on this machine, end to end, through real processes.

Run from anywhere:  python benchmarks/storm.py [--minutes 10] [--scale 1] [--listeners 1]
                    [--pollers 1] [--json] [--database-url postgres://.../pronto_storm]

At ``--scale 1`` (everything below is multiplied by ``--scale``, except the intervals):

- **MQTT**: 10,000 plants each publish one telemetry message every 10 s (1,000 msg/s) at QoS 1
  to a private Mosquitto (unlimited queues; ``--mqtt-port`` uses the machine's broker instead),
  from one publisher process (``storm_support.py publish``, paho-mqtt); consumed by
  ``--listeners`` real ``manage.py telemetry_listen`` processes. With more than one they share
  the subscription: ``--share-group storm --client-id storm-listener-<i>`` (those options of
  ``telemetry_listen`` come with MQTT shared subscriptions, issue 22; with one listener only
  ``--client-id`` is passed);
- **Modbus**: 2,000 plants served by pymodbus servers in one separate process (one server per 10
  plants, ``telecontrol_support.ModbusServers``), polled every 60 s (the default profile) by
  ``--pollers`` real ``manage.py telemetry_poll`` processes (more than one need the poller
  lease's ``--poller-id``, issue 22: passed as ``--poller-id storm-poller-<i>``);
- **calls**: 2,000 an hour through the telephony webhook (``POST /api/telephony/events/``, a
  signed ``ring`` event that logs the call) of a real gunicorn (``--web-workers``, 2);
- **alarms**: 5% of the MQTT plants raise one alarm each (``plants/<code>/alarm``, QoS 1), spread
  over the run; each opens an intervention (``plant_alarm_raise``: no network nodes and no
  incident rules in this database, so none is attached to a major incident); a dispatcher
  thread, as an operator would, assigns each new one over the API
  (``POST /api/interventions/<id>/assign/``) to one of 20 technicians, each with an SMS
  contact point, so the assignment's SMS goes through the outbox to the gateway (the embedded
  outbox gateway, ``PRONTO_SMS_BACKEND`` default; set it to Kannel's backend to use one);
- a real Celery worker (``--worker-concurrency``, 2) on a private Redis (``--redis-url`` for
  another) sends the notifications; no beat (no escalation steps fire in the run);
- PostgreSQL: a fresh database (``pronto_storm``), migrated, dropped afterwards unless ``--keep``.

The measured window starts once every plant has reported once (each MQTT plant's first message
applied, each Modbus plant's first poll stored) and lasts ``--minutes``; then publishing stops
and the storm waits (``--drain-seconds``) until everything published was applied, every alarm
has its intervention and every assignment's SMS was accepted by the gateway.

Printed (and with ``--json`` as one JSON document on stdout; always written to
``benchmarks/results/``): alarm-to-intervention p50/p99 (the alarm's ``ts`` to the
intervention's ``opened_at``), call logged p50/p99 (the webhook request to its 201, the call row
committed; and to the row's ``created_at``), assignment-to-gateway-acceptance p50/p99 (the
intervention's ``assigned_at`` to the SMS's ``sent_at``), messages published vs applied and
lost, CPU seconds (utime + stime from /proc) per 100,000 messages for the listeners and per
1,000 plant polls for the pollers (and of gunicorn, the worker and the broker), database growth
per hour (``pg_database_size`` over the window, scaled to an hour) and the host's CPU count.

Exit status (``verdict``): 2 when anything was lost or rejected (messages, calls, alarms,
notifications), 1 when the drain did not finish in time, else 0. Documented in docs/scale.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import shutil
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.storm_support import (  # noqa: E402
    TOPIC_PREFIX,
    Broker,
    PrivateRedis,
    Process,
    Publisher,
    celery_worker,
    cpu_seconds,
    gunicorn,
    gunicorn_wait,
    last_seq,
    manage,
    mqtt_code,
    seed,
)
from benchmarks.telecontrol_support import (  # noqa: E402
    LOOPBACK,
    BenchError,
    ModbusServers,
    db_drop_quietly,
    db_recreate,
    django_setup,
    free_port,
    log,
    machine_line,
    percentile,
    pg_version,
    reexec_in_venv,
    verdict,
    write_results,
)

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/pronto_storm"
MQTT_PLANTS, MODBUS_PLANTS, CALLS_PER_HOUR, ALARM_SHARE = 10_000, 2_000, 2_000, 0.05
TELEMETRY_INTERVAL, POLL_INTERVAL = 10.0, 60.0
PLANTS_PER_MODBUS_SERVER = 10
TECHNICIANS = 20
SECRET = "storm-telephony-secret-0123456789abcdef"
SHARE_GROUP = "storm"


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="measured window (default 10)")
    parser.add_argument("--scale", type=float, default=1.0, help="plants and rates x this (default 1)")
    parser.add_argument("--listeners", type=int, default=1, help="telemetry_listen processes (default 1)")
    parser.add_argument("--pollers", type=int, default=1, help="telemetry_poll processes (default 1)")
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument(
        "--worker-concurrency", type=int, default=2, help="Celery worker processes (default 2)"
    )
    parser.add_argument("--mqtt-port", type=int, default=None, help="use the broker on 127.0.0.1:PORT")
    parser.add_argument("--redis-url", default=None, help="Celery broker (default: a private redis-server)")
    parser.add_argument("--drain-seconds", type=float, default=120, help="wait for the backlog (default 120)")
    parser.add_argument("--seed", type=int, default=22, help="random seed of the calls and alarms")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON on stdout")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("PRONTO_BENCH_DATABASE_URL", DEFAULT_DB),
        help="PostgreSQL database to (re)create for the run (default pronto_storm)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args(argv)
    if not urlsplit(args.database_url).scheme.startswith("postgres"):
        parser.error("--database-url must be a PostgreSQL URL")
    if args.minutes <= 0 or args.scale <= 0 or args.listeners < 1 or args.pollers < 1:
        parser.error("--minutes and --scale must be positive, --listeners and --pollers at least 1")
    return args


def sizes(scale: float) -> dict:
    mqtt = max(1, round(MQTT_PLANTS * scale))
    modbus = max(1, round(MODBUS_PLANTS * scale))
    return {
        "mqtt_plants": mqtt,
        "modbus_plants": modbus,
        "modbus_servers": max(1, -(-modbus // PLANTS_PER_MODBUS_SERVER)),
        "calls_per_hour": CALLS_PER_HOUR * scale,
        "alarming_plants": max(1, round(mqtt * ALARM_SHARE)),
        "messages_per_second": mqtt / TELEMETRY_INTERVAL,
    }


def listener_args(i: int, count: int) -> list[str]:
    """``telemetry_listen`` options of listener ``i`` of ``count`` (shared subscription if > 1)."""
    extra = ["--share-group", SHARE_GROUP] if count > 1 else []
    return ["telemetry_listen", "--client-id", f"storm-listener-{i}", *extra]


def poller_args(i: int, count: int) -> list[str]:
    """``telemetry_poll`` options of poller ``i`` of ``count`` (the lease's id if > 1)."""
    return ["telemetry_poll", *(["--poller-id", f"storm-poller-{i}"] if count > 1 else [])]


# ----------------------------------------------------------------------------------------------
# The storm's own threads: alarms, calls, the dispatcher


class Alarms(threading.Thread):
    """Publishes one alarm per chosen plant at its instant (QoS 1, paho), counting PUBACKs."""

    def __init__(self, port: int, schedule: list[tuple[float, str]]) -> None:
        super().__init__(daemon=True, name="storm-alarms")
        import paho.mqtt.client as mqtt

        self.schedule, self.stop = schedule, threading.Event()
        self.published = self.acked = 0
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="storm-alarms")
        self.client.on_publish = self._acked
        self.client.connect(LOOPBACK, port, keepalive=30)
        self.client.loop_start()

    def _acked(self, *args) -> None:
        self.acked += 1

    def run(self) -> None:
        for at, code in self.schedule:
            if self.stop.wait(max(0.0, at - time.time())):
                return
            body = {"ts": round(time.time(), 3), "code": "17", "state": "raised", "message": "Storm alarm"}
            self.client.publish(f"{TOPIC_PREFIX}/{code}/alarm", json.dumps(body), qos=1)
            self.published += 1

    def close(self) -> None:
        self.stop.set()
        self.join()
        deadline = time.monotonic() + 30
        while self.acked < self.published and time.monotonic() < deadline:
            time.sleep(0.05)
        self.client.disconnect()
        self.client.loop_stop()


def signed_ring(call_id: str, caller: str, at: float) -> tuple[bytes, dict[str, str]]:
    from telephony.signatures import telephony_signature

    body = json.dumps(
        {
            "call_id": call_id,
            "event": "ring",
            "timestamp": at,
            "caller": caller,
            "line": "800100",
            "agent": "",
        }
    ).encode()
    stamp = str(int(at))
    return body, {
        "Content-Type": "application/json",
        "X-Pronto-Timestamp": stamp,
        "X-Pronto-Signature": telephony_signature(secret=SECRET, timestamp=stamp, body=body),
    }


class Calls(threading.Thread):
    """The phone system: a signed ``ring`` event per call at its instant; the round trip of each."""

    def __init__(self, port: int, schedule: list[float], rng: random.Random) -> None:
        super().__init__(daemon=True, name="storm-calls")
        self.port, self.schedule, self.rng, self.stop = port, schedule, rng, threading.Event()
        self.results: list[dict] = []

    def run(self) -> None:
        conn = http.client.HTTPConnection(LOOPBACK, self.port, timeout=30)
        for n, at in enumerate(self.schedule):
            if self.stop.wait(max(0.0, at - time.time())):
                break
            sent = time.time()
            body, headers = signed_ring(f"storm-call-{n}", f"+39 02 {self.rng.randint(0, 9999999):07d}", sent)
            try:
                conn.request("POST", "/api/telephony/events/", body, headers)
                response = conn.getresponse()
                payload = response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                conn = http.client.HTTPConnection(LOOPBACK, self.port, timeout=30)
                status, payload = 0, str(exc).encode()
            done = time.time()
            call = json.loads(payload).get("call") if status in (200, 201) else None
            self.results.append({"sent": sent, "seconds": done - sent, "status": status, "call": call})
        conn.close()


class Dispatcher(threading.Thread):
    """As an operator would: every second, each new unassigned intervention assigned over the API
    to the next technician (round robin)."""

    def __init__(self, port: int, token: str, technicians: list[str]) -> None:
        super().__init__(daemon=True, name="storm-dispatcher")
        self.port, self.token, self.technicians = port, token, technicians
        self.stop, self.assigned, self.failures = threading.Event(), 0, []

    def run(self) -> None:
        from django.db import connection

        from dispatch.choices import InterventionStatus
        from dispatch.models import Intervention

        conn = http.client.HTTPConnection(LOOPBACK, self.port, timeout=30)
        headers = {"Content-Type": "application/json", "Authorization": f"Token {self.token}"}
        try:
            while not self.stop.wait(1.0):
                waiting = list(
                    Intervention.objects.filter(status=InterventionStatus.OPEN, technician__isnull=True)
                    .order_by("pk")
                    .values_list("pk", flat=True)
                )
                for pk in waiting:
                    technician = self.technicians[self.assigned % len(self.technicians)]
                    try:
                        body = json.dumps({"technician": technician})
                        conn.request("POST", f"/api/interventions/{pk}/assign/", body, headers)
                        response = conn.getresponse()
                        body = response.read()
                    except (OSError, http.client.HTTPException) as exc:
                        conn.close()
                        conn = http.client.HTTPConnection(LOOPBACK, self.port, timeout=30)
                        self.failures.append(f"{pk}: {exc}")
                        continue
                    if response.status == 200:
                        self.assigned += 1
                    else:
                        self.failures.append(f"{pk}: {response.status} {body[:200]!r}")
        finally:
            conn.close()
            connection.close()


# ----------------------------------------------------------------------------------------------
# Database reads


def db_size() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        return cursor.fetchone()[0]


def table_sizes() -> dict[str, int]:
    """Bytes of each table with its indexes and TOAST (to see where the growth goes)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, pg_total_relation_size(c.oid) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname = 'public'"
        )
        return dict(cursor.fetchall())


def growth_by_table(before: dict[str, int], after: dict[str, int], top: int = 8) -> dict[str, int]:
    grown = {name: size - before.get(name, 0) for name, size in after.items()}
    return dict(sorted(((n, g) for n, g in grown.items() if g), key=lambda item: -item[1])[:top])


def states_reported(plant_ids: list[int]) -> int:
    from telecontrol.models import PlantState

    return PlantState.objects.filter(plant_id__in=plant_ids, observed_at__isnull=False).count()


def mqtt_states_current(world: dict, summary: dict) -> int:
    """MQTT plants whose PlantState holds the last message they were sent (its ``seq``)."""
    from telecontrol.models import PlantState

    ids = world["mqtt_plant_ids"]
    index = {pk: i for i, pk in enumerate(ids)}
    rows = PlantState.objects.filter(plant_id__in=ids).values_list("plant_id", "measurements")
    return sum(1 for pk, m in rows if (m or {}).get("seq", {}).get("value") == last_seq(index[pk], summary))


def alarm_figures() -> dict:
    from dispatch.models import Intervention
    from notifications.choices import Channel, NotificationReason, NotificationStatus
    from notifications.models import Notification
    from telecontrol.models import PlantAlarm

    alarms = list(PlantAlarm.objects.values_list("raised_at", "intervention_id", "intervention__opened_at"))
    opened = [(o - r).total_seconds() for r, i, o in alarms if i is not None and o is not None]
    interventions = Intervention.objects.filter(pk__in={i for _r, i, _o in alarms if i is not None})
    assigned = list(interventions.filter(assigned_at__isnull=False).values_list("pk", "assigned_at"))
    sms = {
        pk: sent
        for pk, sent in Notification.objects.filter(
            reason=NotificationReason.ASSIGNED,
            channel=Channel.SMS,
            status__in=[NotificationStatus.SENT, NotificationStatus.DELIVERED],
        ).values_list("intervention_id", "sent_at")
    }
    accepted = [(sms[pk] - at).total_seconds() for pk, at in assigned if sms.get(pk)]
    return {
        "alarms": len(alarms),
        "interventions": interventions.count(),
        "assigned": len(assigned),
        "sms_accepted": len(accepted),
        "alarm_to_intervention_s": opened,
        "assignment_to_gateway_s": accepted,
    }


def call_rows(call_ids: list[int], sent: dict[int, float]) -> list[float]:
    """Seconds from the ring request to the call row's ``created_at``, for each row found."""
    from dispatch.models import Call

    rows = Call.objects.filter(pk__in=call_ids).values_list("pk", "created_at")
    return [created.timestamp() - sent[pk] for pk, created in rows]


# ----------------------------------------------------------------------------------------------
# Main


def wait_until(condition, timeout: float, what: str) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise BenchError(f"{what}: not within {timeout:.0f} s")
        time.sleep(0.5)
    return time.monotonic() - started


def child_env(args, database_url: str, mqtt_port: int, redis_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PRONTO_ENV", None)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": database_url,
            "DEBUG": "false",
            "LOG_LEVEL": "WARNING",
            "DB_CONN_MAX_AGE": "60",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "CELERY_BROKER_URL": redis_url,
            "PRONTO_MQTT_HOST": LOOPBACK,
            "PRONTO_MQTT_PORT": str(mqtt_port),
            "PRONTO_TELEPHONY_SECRET": SECRET,
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    return env


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    size = sizes(args.scale)
    rng = random.Random(args.seed)
    machine = machine_line()
    workdir = Path(tempfile.mkdtemp(prefix="pronto-storm-"))
    processes: list = []
    log(f"recreating database {urlsplit(args.database_url).path.lstrip('/')}; logs in {workdir}")
    db_recreate(args.database_url)
    try:
        django_setup(args.database_url)
        log(f"starting {size['modbus_servers']} pymodbus servers for {size['modbus_plants']} plants")
        with ModbusServers(size["modbus_servers"]) as modbus:
            try:
                world = seed(
                    mqtt_plants=size["mqtt_plants"], modbus_plants=size["modbus_plants"],
                    modbus_ports=modbus.ports, technicians=TECHNICIANS,
                )  # fmt: skip
                result = storm(args, size, rng, world, workdir, processes)
            finally:
                for process in reversed(processes):
                    process.stop()
    finally:
        if not args.keep:
            db_drop_quietly(args.database_url)
    shutil.rmtree(workdir, ignore_errors=True)
    result.update(
        {"machine": machine, "cpus": os.cpu_count(), "sizes": size, "config": {
            k: v for k, v in vars(args).items() if k not in ("database_url", "json")
        }}
    )  # fmt: skip
    report(result, args)
    out = write_results("storm", result)
    log(f"results in {out.relative_to(ROOT)}")
    return verdict(target_holds=result["drained"], results_right=result["nothing_lost"])


def storm(args, size, rng, world, workdir: Path, processes: list) -> dict:
    def started(process: Process) -> Process:
        processes.append(process.start())
        return process

    if args.mqtt_port:
        broker = None
        mqtt_port = args.mqtt_port
    else:
        broker = Broker(workdir)
        processes.append(broker.process)
        broker.start()
        mqtt_port = broker.port
    redis_url = args.redis_url
    if not redis_url:
        redis = PrivateRedis(workdir)
        processes.append(redis.process)
        redis_url = redis.start().url
    env = child_env(args, args.database_url, mqtt_port, redis_url)
    web_port = free_port()
    log(f"starting gunicorn ({args.web_workers} workers), a Celery worker (-c {args.worker_concurrency}), "
        f"{args.listeners} listener(s), {args.pollers} poller(s)")  # fmt: skip
    web = started(gunicorn(env, workdir, port=web_port, workers=args.web_workers))
    worker = started(celery_worker(env, workdir, concurrency=args.worker_concurrency))
    listeners = [
        started(manage(f"listener-{i}", listener_args(i, args.listeners), env, workdir))
        for i in range(args.listeners)
    ]
    pollers = [
        started(manage(f"poller-{i}", poller_args(i, args.pollers), env, workdir))
        for i in range(args.pollers)
    ]
    gunicorn_wait(web, web_port)
    worker.wait_for("ready.", timeout=90)
    listener_cpu0 = {}
    for i, listener in enumerate(listeners):
        if broker is not None:
            broker.wait_subscribed(f"storm-listener-{i}", listener)
        else:
            listener.wait_for("Listening on", timeout=60)
            time.sleep(2)
        listener_cpu0[listener.pid] = cpu_seconds(listener.pid)
    log(f"publishing {size['messages_per_second']:g} msg/s from {size['mqtt_plants']} plants; waiting for "
        f"every plant's first report")  # fmt: skip
    publisher = Publisher(LOOPBACK, mqtt_port, size["mqtt_plants"], TELEMETRY_INTERVAL, workdir)
    processes.append(publisher)

    def all_reported() -> bool:
        for process in processes:
            if not process.alive():
                raise BenchError(f"{process.name} exited:\n{getattr(process, 'tail', lambda: '')()}")
        return (
            states_reported(world["mqtt_plant_ids"]) == size["mqtt_plants"]
            and states_reported(world["modbus_plant_ids"]) == size["modbus_plants"]
        )

    warm_up = wait_until(
        all_reported,
        timeout=120 + TELEMETRY_INTERVAL,
        what="every plant's first report",
    )

    window = args.minutes * 60
    start = time.time()
    before = {
        "tables": table_sizes(),
        "db_bytes": db_size(),
        "pollers": sum(cpu_seconds(p.pid) for p in pollers),
        "web": cpu_seconds(web.pid, children=True),
        "worker": cpu_seconds(worker.pid, children=True),
        "broker": cpu_seconds(broker.process.pid) if broker else float("nan"),
    }
    codes = [mqtt_code(i) for i in rng.sample(range(size["mqtt_plants"]), size["alarming_plants"])]
    alarm_span = window * 0.9  # the last alarms still have time to be handled inside the window
    alarms = Alarms(mqtt_port, [(start + (k + rng.random()) * alarm_span / len(codes), c)
                                for k, c in enumerate(codes)])  # fmt: skip
    calls_total = max(1, round(size["calls_per_hour"] * window / 3600))
    calls = Calls(
        web_port, [start + (k + rng.random()) * window / calls_total for k in range(calls_total)], rng
    )
    dispatcher = Dispatcher(web_port, world["token"], world["technicians"])
    for thread in (alarms, calls, dispatcher):
        thread.start()
    log(f"storm running for {args.minutes:g} min: {size['alarming_plants']} alarms, {calls_total} calls")
    while time.time() < start + window:
        time.sleep(min(30.0, start + window - time.time()))
        down = [p.name for p in processes if not p.alive()]
        if down:
            raise BenchError(f"stopped during the storm: {', '.join(down)}")
        log(f"  {time.time() - start:5.0f} s: {alarms.published} alarms, {len(calls.results)} calls, "
            f"{dispatcher.assigned} assigned")  # fmt: skip
    window = time.time() - start
    alarms.close()
    calls.stop.set()
    calls.join()
    summary = publisher.finish()
    log(f"published {summary['published']} telemetry messages ({summary['acked']} acknowledged); draining")

    def drained() -> bool:
        figures = alarm_figures()
        return (
            mqtt_states_current(world, summary) == size["mqtt_plants"]
            and figures["interventions"] >= alarms.acked
            and figures["sms_accepted"] >= figures["interventions"]
        )

    try:
        drain = wait_until(drained, args.drain_seconds, "drain")
        done = True
    except BenchError as exc:
        log(str(exc))
        drain, done = args.drain_seconds, False
    dispatcher.stop.set()
    dispatcher.join()
    after = {
        "tables": table_sizes(),
        "db_bytes": db_size(),
        "pollers": sum(cpu_seconds(p.pid) for p in pollers),
        "web": cpu_seconds(web.pid, children=True),
        "worker": cpu_seconds(worker.pid, children=True),
        "broker": cpu_seconds(broker.process.pid) if broker else float("nan"),
    }
    listener_cpu = sum(cpu_seconds(p.pid) - listener_cpu0[p.pid] for p in listeners)
    counts = {"received": 0, "applied": 0, "rejected": 0}
    for listener in listeners:
        listener.stop()
        counts_of = stopped_counts(listener.output())
        if counts_of is None:
            raise BenchError(f"{listener.name} did not report its counts:\n{listener.tail()}")
        for key in counts:
            counts[key] += counts_of[key]
    figures = alarm_figures()
    call_results = calls.results
    logged = [r for r in call_results if r["status"] == 201]
    rows = call_rows([r["call"] for r in logged], {r["call"]: r["sent"] for r in logged})
    published = summary["acked"] + alarms.acked
    poller_cpu = after["pollers"] - before["pollers"]
    polls = size["modbus_plants"] * window / POLL_INTERVAL
    modbus_current = poll_current(world, POLL_INTERVAL + 5)
    lost = {
        "messages": published - counts["applied"] - counts["rejected"],
        "messages_rejected": counts["rejected"],
        "unacknowledged_publishes": summary["published"] - summary["acked"] + alarms.published - alarms.acked,
        "calls": len(call_results) - len(rows),
        "alarms_without_intervention": alarms.acked - figures["interventions"],
        "assignments_without_sms": figures["assigned"] - figures["sms_accepted"],
        "dispatcher_failures": len(dispatcher.failures),
    }
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "pg_version": pg_version(),
        "window_s": window,
        "warm_up_s": warm_up,
        "drain_s": drain,
        "drained": done,
        "published": {
            "telemetry": summary["published"],
            "alarms": alarms.published,
            "acknowledged": published,
        },
        "listeners": counts,
        "lost": lost,
        "nothing_lost": all(v == 0 for v in lost.values()),
        "mqtt_states_current": mqtt_states_current(world, summary),
        "modbus_states_polled_within_interval": modbus_current,
        "alarms": {k: v for k, v in figures.items() if not k.endswith("_s")},
        "alarm_to_intervention": spread(figures["alarm_to_intervention_s"]),
        "assignment_to_gateway": spread(figures["assignment_to_gateway_s"]),
        "calls": {
            "sent": len(call_results),
            "logged": len(rows),
            "statuses": sorted({r["status"] for r in call_results}),
            "round_trip": spread([r["seconds"] for r in logged]),
            "to_row_created": spread(rows),
        },
        "dispatcher_failures": dispatcher.failures[:5],
        "cpu_s": {
            "listeners": listener_cpu,
            "pollers": poller_cpu,
            "web": after["web"] - before["web"],
            "worker": after["worker"] - before["worker"],
            "broker": after["broker"] - before["broker"],
        },
        "listener_cpu_s_per_100k_messages": listener_cpu / max(1, counts["applied"]) * 100_000,
        "poller_cpu_s_per_1000_polls": poller_cpu / max(1.0, polls) * 1000,
        "poller_polls_in_window": polls,
        "db_bytes": {"before": before["db_bytes"], "after": after["db_bytes"]},
        "db_growth_by_table_bytes": growth_by_table(before["tables"], after["tables"]),
        "db_growth_bytes_per_hour": (after["db_bytes"] - before["db_bytes"]) / (window + drain) * 3600,
    }


def stopped_counts(output: str) -> dict | None:
    """The listener's last words: ``Stopped: X received, Y applied, Z rejected``."""
    import re

    found = re.findall(r"Stopped: (\d+) received, (\d+) applied, (\d+) rejected", output)
    if not found:
        return None
    received, applied, rejected = map(int, found[-1])
    return {"received": received, "applied": applied, "rejected": rejected}


def poll_current(world: dict, within: float) -> int:
    from datetime import timedelta

    from django.utils import timezone

    from telecontrol.models import PlantState

    return PlantState.objects.filter(
        plant_id__in=world["modbus_plant_ids"],
        last_attempt_at__gte=timezone.now() - timedelta(seconds=within),
    ).count()


def spread(seconds: list[float]) -> dict:
    if not seconds:
        return {"n": 0, "p50_ms": None, "p99_ms": None, "max_ms": None}
    ms = [s * 1000 for s in seconds]
    return {"n": len(ms), "p50_ms": percentile(ms, 50), "p99_ms": percentile(ms, 99), "max_ms": max(ms)}


def report(r: dict, args) -> None:
    if args.json:
        print(json.dumps(r, indent=2, default=str))
        return
    size, cpu, pub, got, alarms = r["sizes"], r["cpu_s"], r["published"], r["listeners"], r["alarms"]

    def ms(s: dict) -> str:
        if not s["n"]:
            return "none measured"
        return f"p50 {s['p50_ms']:.0f} ms, p99 {s['p99_ms']:.0f} ms, max {s['max_ms']:.0f} ms (n={s['n']})"

    def line(label: str, text: str) -> None:
        print(f"  {label:<30}: {text}")

    others = {k: v for k, v in r["lost"].items() if k != "messages"}
    print()
    print(f"Storm: {r['window_s'] / 60:.1f} min at scale {args.scale:g}, PostgreSQL {r['pg_version']}")
    line("machine", f"{r['machine']} ({platform.machine()})")
    line("MQTT", f"{size['mqtt_plants']} plants, {size['messages_per_second']:g} msg/s at QoS 1")
    line("Modbus", f"{size['modbus_plants']} plants polled every {POLL_INTERVAL:g} s")
    line("calls, alarms", f"{size['calls_per_hour']:g} calls/h, {size['alarming_plants']} alarms")
    line(
        "processes",
        f"{args.listeners} listener(s), {args.pollers} poller(s), gunicorn x {args.web_workers}, "
        f"Celery -c {args.worker_concurrency}",
    )
    line(
        "warm-up, drain",
        f"{r['warm_up_s']:.0f} s, {r['drain_s']:.0f} s" + ("" if r["drained"] else " (NOT DRAINED)"),
    )
    print()
    line("alarm to intervention", ms(r["alarm_to_intervention"]))
    line("call logged (webhook -> 201)", ms(r["calls"]["round_trip"]))
    line("call logged (-> row created)", ms(r["calls"]["to_row_created"]))
    line("assignment to gateway accept.", ms(r["assignment_to_gateway"]))
    line(
        "messages published (acked)",
        f"{pub['acknowledged']} ({pub['telemetry']} telemetry + {pub['alarms']} alarms)",
    )
    line("messages applied / rejected", f"{got['applied']} / {got['rejected']} (received {got['received']})")
    line("lost", str(r["lost"]["messages"]))
    line("other losses (must be 0)", json.dumps(others))
    line(
        "MQTT plants' state current",
        f"{r['mqtt_states_current']}/{size['mqtt_plants']} hold their last message",
    )
    line(
        "Modbus plants polled",
        f"{r['modbus_states_polled_within_interval']}/{size['modbus_plants']} "
        f"in the last {POLL_INTERVAL + 5:g} s",
    )
    line(
        "alarms -> interventions",
        f"{alarms['alarms']} alarms, {alarms['interventions']} interventions, {alarms['assigned']} assigned, "
        f"{alarms['sms_accepted']} SMS accepted by the gateway",
    )
    line(
        "listener CPU",
        f"{r['listener_cpu_s_per_100k_messages']:.1f} s per 100,000 messages "
        f"({cpu['listeners']:.1f} s for {got['applied']})",
    )
    line(
        "poller CPU",
        f"{r['poller_cpu_s_per_1000_polls']:.2f} s per 1,000 plant polls "
        f"({cpu['pollers']:.2f} s for ~{r['poller_polls_in_window']:.0f} polls in the window)",
    )
    line(
        "other CPU in the window",
        f"gunicorn {cpu['web']:.1f} s, Celery {cpu['worker']:.1f} s, broker {cpu['broker']:.1f} s",
    )
    mib = 2**20
    line(
        "database growth",
        f"{r['db_growth_bytes_per_hour'] / mib:.1f} MiB per hour "
        f"({r['db_bytes']['before'] / mib:.1f} -> {r['db_bytes']['after'] / mib:.1f} MiB)",
    )
    tables = ", ".join(
        f"{name} {grown / 2**10:.0f} KiB" for name, grown in r["db_growth_by_table_bytes"].items()
    )
    line("growth by table (window)", tables or "none")
    line("host CPUs", str(r["cpus"]))
    line("nothing lost", "YES" if r["nothing_lost"] else "NO")
    line("drained in time", "YES" if r["drained"] else "NO")


if __name__ == "__main__":
    reexec_in_venv(__file__)
    try:
        sys.exit(main())
    except BenchError as exc:
        print(f"storm: FAILED: {exc}", file=sys.stderr)
        sys.exit(1)
