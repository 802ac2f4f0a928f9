#!/usr/bin/env python
"""Routing decision latency and throughput of ``POST /api/telephony/route/`` beside a bare signed
DRF APIView (issue 17: p99 < 20 ms at 50 decisions/s; real >= 50% of the bare throughput).

Run from anywhere:  python benchmarks/bench_route.py [--duration 30] [--rate 50] [--connections 8]

Both endpoints are served by the same gunicorn (same workers and settings as bench_calls_api,
same PostgreSQL database, re-created on every run and dropped at the end unless --keep). The
bare endpoint (``benchmarks/bare/views.py`` ``SignedPingView``) is a stock APIView with
``permission_classes=[HasTelephonySignature]`` and no authentication that parses the body and
answers a small JSON: the route endpoint minus its serializer, replay claim and decision.

wrk cannot drive a signed endpoint that refuses replays, so this has its own load generator
(threads, one keep-alive ``http.client`` connection each; every request is a NEW call with a
unique call id and an Italian caller number, signed just before its phase with the time it will
be sent, well inside PRONTO_TELEPHONY_MAX_SKEW_SECONDS):

1. open loop: route requests at ``--rate`` per second for ``--duration`` seconds, each followed
   half a period later by a bare request (so both see the same machine at the same moment).
   Latency is measured from the moment a request was due, so a server falling behind shows up
   (no coordinated omission). p50/p95/p99/max per endpoint and per answer (offer / queue).
2. closed loop: ``--connections`` clients as fast as they go, ``--throughput-duration`` seconds,
   interleaved bare, floor, real (``--rounds`` times): the ratio of requests/s. "floor" is the
   bare view plus the statements of one offer (six writes, five reads, a savepoint) as plain SQL
   on a scratch table (``SignedFloorView``): what any decision that writes what the router
   writes would pay on this database, the ceiling of the real/bare ratio.

The routing world (seeded through the ORM): 50 operators with SIP URIs in two teams, skills for
gas, lifts and languages, three queues (gas, lifts, general) with required skills, a published
rule set of five rules (a caller class with priority, two lines, a time window, a catch-all),
caller class rules (a VIP number with a personal manager, prefix rules for Milan and Rome).

Keeping the queue realistic: a simulated phone system runs beside the load (two threads with
their own connections). Each offered call is hung up by the caller after ``--hold`` seconds
while it rings (a signed ``hangup`` event: the operator is free again, at once, keeping their
place: the cheapest event that frees an operator); it polls ``/api/telephony/queue/`` twice a
second like a real phone system and asks the route again for each call it is told to resume (an
offer to the reserved operator: these decisions are counted as "resumed" and in the overall
figures); a queued caller abandons after ``--patience`` seconds (a signed ``abandoned`` event).
With 50 operators and a 1 s hold the centre absorbs about 50 calls/s: at 50/s most decisions
are offers and a short queue comes and goes, as in a busy hour. The closed loop asks far more
than that, so the queue grows there until callers abandon: the state (operators free, no
waiting calls) is reset before every phase so each starts from the same place. The phone
system's events load the server in both endpoints' phases alike; they are not timed.

Prints a table and PASS/MISS per target, writes JSON to ``benchmarks/results/``; exit status
from ``verdict`` (1 on a missed target, 2 when requests failed). ``--quick``: a smoke run.
"""

from __future__ import annotations

import argparse
import heapq
import http.client
import itertools
import json
import os
import platform
import queue
import random
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.bench_calls_api import Gunicorn, bench_env, db_scalar, django_snippet, migrate  # noqa: E402
from benchmarks.telecontrol_support import (  # noqa: E402
    BenchError,
    database_arguments,
    db_recreate,
    free_port,
    log,
    percentile,
    reexec_in_venv,
    verdict,
    write_results,
)
from telephony.signatures import telephony_signature  # noqa: E402

TARGET_P99_MS = 20.0
TARGET_RATIO = 0.50
SECRET = "bench-telephony-secret-0123456789abcdef"
REAL_PATH = "/api/telephony/route/"
BARE_PATH = "/bare/signed/"
FLOOR_PATH = "/bare/signed-floor/"
EVENTS_PATH = "/api/telephony/events/"
QUEUE_PATH = "/api/telephony/queue/"
OPERATORS = 50
LINES = ("800100", "800100", "800100", "800200", "800200", "800300")  # gas, lifts, unknown line

SEED = f"""
from datetime import time as clock
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from dispatch.choices import Role
from routing.choices import ClassRuleKind, OperatorState
from routing.models import (CallerClass, CallerClassRule, Line, OperatorProfile, Queue, RoutingRule,
    RuleSetVersion, Skill, Team)
now = timezone.now()
skills = {{c: Skill.objects.create(kind=k, code=c, name=c) for k, c in
          [("service", "gas"), ("service", "lifts"), ("language", "it"), ("language", "en")]}}
teams = [Team.objects.create(code=f"t{{i}}", name=f"Team {{i}}") for i in (1, 2)]
gas_line = Line.objects.create(number="800100", name="Gas", fallback_uri="sip:800100@b.example")
lift_line = Line.objects.create(number="800200", name="Lifts", fallback_uri="sip:800200@b.example")
queues = {{}}
for code, needed in [("gas", ["gas", "it"]), ("lifts", ["lifts"]), ("general", [])]:
    queues[code] = Queue.objects.create(code=code, name=code, offer_timeout_seconds=15, announcement=code)
    queues[code].skills.set([skills[s] for s in needed])
group, _ = Group.objects.get_or_create(name=Role.OPERATOR)
users = []
for i in range({OPERATORS}):
    user = get_user_model().objects.create(username=f"bench-op-{{i:02d}}", first_name="Op", last_name=str(i))
    user.set_unusable_password(); user.save(); user.groups.add(group); users.append(user)
    profile = OperatorProfile.objects.create(
        user=user, extension=str(2000 + i), sip_uri=f"sip:{{2000 + i}}@pbx.bench.example", team=teams[i % 2],
        wrap_up_seconds=0, state=OperatorState.AVAILABLE, state_since=now, idle_since=now)
    owned = ["it"] + (["gas"] if i % 10 < 7 else []) + (["lifts"] if i % 2 else [])
    owned += ["en"] if i % 5 == 0 else []
    profile.skills.set([skills[s] for s in owned])
classes = {{c.code: c for c in CallerClass.objects.all()}}
CallerClassRule.objects.create(kind=ClassRuleKind.NUMBER, number="+390212349999", caller_class=classes["vip"],
                               personal_manager=users[0])
CallerClassRule.objects.create(kind=ClassRuleKind.NUMBER, number="+390612349999",
                               caller_class=classes["critical"])
CallerClassRule.objects.create(kind=ClassRuleKind.PREFIX, prefix="+3902", caller_class=classes["gold"])
CallerClassRule.objects.create(kind=ClassRuleKind.PREFIX, prefix="+3906", caller_class=classes["silver"])
version = RuleSetVersion.objects.create(number=1, published_at=now, note="bench")
for position, fields in enumerate([
    dict(name="Critical first", caller_class=classes["critical"], queue=queues["gas"], priority=50),
    dict(name="Lifts at night", line=lift_line, time_from=clock(22), time_to=clock(6),
         queue=queues["general"]),
    dict(name="Gas line", line=gas_line, queue=queues["gas"]),
    dict(name="Lifts line", line=lift_line, queue=queues["lifts"]),
    dict(name="Everything else", queue=queues["general"]),
], start=1):
    RoutingRule.objects.create(version=version, position=position, **fields)
print("SEEDED", OperatorProfile.objects.count())
"""

RESET = """
from django.utils import timezone
from routing.choices import OperatorState, RouteState
from routing.models import CallRoute, OperatorProfile
now = timezone.now()
CallRoute.objects.filter(state__in=[RouteState.NEW, RouteState.QUEUED, RouteState.RESERVED,
                                    RouteState.OFFERED]).update(state=RouteState.ENDED, finished_at=now)
OperatorProfile.objects.update(state=OperatorState.AVAILABLE, current_call=None, state_since=now,
                               idle_since=now)
"""

# Where a decision's time goes, in-process (django.test.Client, same settings, same database):
# queries per decision by statement and table, Python CPU vs wall clock. Run after the load.
PROFILE = f"""
import json, re, time
from collections import Counter
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from telephony.signatures import telephony_signature
client = Client(HTTP_HOST="localhost")
out = {{"decisions": []}}
tables = Counter()
for i in range(20):
    now = time.time()
    body = json.dumps({{"call_id": f"profile-{{i}}", "caller": f"+3902123470{{i:02d}}", "line": "800100",
                       "timestamp": now}}).encode()
    stamp = str(int(now))
    headers = {{"HTTP_X_PRONTO_TIMESTAMP": stamp,
               "HTTP_X_PRONTO_SIGNATURE": telephony_signature(secret={SECRET!r}, timestamp=stamp, body=body)}}
    wall, cpu = time.perf_counter(), time.process_time()
    with CaptureQueriesContext(connection) as queries:
        response = client.post("{REAL_PATH}", body, content_type="application/json", **headers)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    for q in queries.captured_queries:
        sql = q["sql"].lstrip()
        verb = sql.split(None, 1)[0].upper() if sql else "?"
        table = re.search(r'(?:FROM|INTO|UPDATE)\\s+"(\\w+)"', sql)
        tables[verb + " " + (table.group(1) if table else "")] += 1
    out["decisions"].append({{"action": response.json().get("action"), "status": response.status_code,
                             "queries": len(queries.captured_queries),
                             "sql_ms": 1000 * sum(float(q["time"]) for q in queries.captured_queries),
                             "wall_ms": 1000 * wall, "cpu_ms": 1000 * cpu}})
out["statements_per_decision"] = {{k: round(v / 20, 2) for k, v in tables.most_common()}}
# The same again under cProfile: cumulative ms per decision of the router's steps (inflated by the
# profiler; compare them with each other).
import cProfile, pstats
profiler = cProfile.Profile()
for i in range(20):
    now = time.time()
    body = json.dumps({{"call_id": f"profile-b-{{i}}", "caller": f"+3906123470{{i:02d}}", "line": "800200",
                       "timestamp": now}}).encode()
    stamp = str(int(now))
    headers = {{"HTTP_X_PRONTO_TIMESTAMP": stamp,
               "HTTP_X_PRONTO_SIGNATURE": telephony_signature(secret={SECRET!r}, timestamp=stamp, body=body)}}
    profiler.runcall(client.post, "{REAL_PATH}", body, content_type="application/json", **headers)
steps = {{}}
for (path, _line, name), (_cc, calls, _tt, cumulative, _callers) in pstats.Stats(profiler).stats.items():
    if ("/routing/" in path or "/telephony/" in path or "/dispatch/services" in path
            or name in ("execute", "post")) and not name.startswith("<"):
        key = path.rsplit("/", 2)[-2] + "/" + path.rsplit("/", 1)[-1] + ":" + name
        steps[key] = round(cumulative / 20 * 1000, 2)
out["profiled_ms_per_decision"] = dict(sorted(steps.items(), key=lambda kv: -kv[1])[:25])
print("PROFILE=" + json.dumps(out))
"""

# ----------------------------------------------------------------------------------------------
# Requests


_serial = itertools.count(1)


def signed(path: str, payload: dict, at: float) -> tuple[str, bytes, dict[str, str]]:
    body = json.dumps(payload).encode()
    stamp = str(int(at))
    headers = {
        "Content-Type": "application/json",
        "X-Pronto-Timestamp": stamp,
        "X-Pronto-Signature": telephony_signature(secret=SECRET, timestamp=stamp, body=body),
    }
    return path, body, headers


def new_call(rng: random.Random, at: float) -> dict:
    """A new call: unique id, a valid Italian number (Milan or Rome, now and then the VIP or the
    hospital), a line (gas, lifts, or one the router does not know)."""
    n = next(_serial)
    roll = rng.random()
    if roll < 0.01:
        caller = "+390212349999"
    elif roll < 0.02:
        caller = "+390612349999"
    else:
        caller = f"+39{rng.choice(('02', '06'))}1234{rng.randrange(10000):04d}"
    return {
        "call_id": f"bench-{os.getpid()}-{n}",
        "caller": caller,
        "line": rng.choice(LINES),
        "timestamp": at,
        "attempt": 1,
        "previous": "",
        "previous_status": 0,
    }


def real_request(rng: random.Random, at: float):
    payload = new_call(rng, at)
    return (*signed(REAL_PATH, payload, at), payload)


def bare_request(rng: random.Random, at: float):
    payload = new_call(rng, at)
    return (*signed(BARE_PATH, payload, at), payload)


def floor_request(rng: random.Random, at: float):
    payload = new_call(rng, at)
    return (*signed(FLOOR_PATH, payload, at), payload)


REQUESTS = {"real": real_request, "bare": bare_request, "floor": floor_request}


class Client:
    """One keep-alive connection (re-opened by http.client when the server closes it)."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        try:
            self.conn.request("POST", path, body, headers)
            response = self.conn.getresponse()
            return response.status, response.read()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn.request("POST", path, body, headers)
            response = self.conn.getresponse()
            return response.status, response.read()

    def close(self) -> None:
        self.conn.close()


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        # (endpoint, action, seconds from due, seconds from sent)
        self.samples: list[tuple[str, str, float, float]] = []
        self.errors: list[str] = []

    def add(self, endpoint: str, status: int, data: bytes, seconds: float, service: float = -1) -> dict:
        answer: dict = {}
        if status == 200:
            try:
                answer = json.loads(data)
            except ValueError:
                answer = {}
        with self.lock:
            if status != 200 or not answer:
                self.errors.append(f"{endpoint} {status} {data[:200]!r}")
            action = str(answer.get("action", "error"))
            self.samples.append((endpoint, action, seconds, seconds if service < 0 else service))
        return answer


# ----------------------------------------------------------------------------------------------
# The phone system beside the load


class PhoneSystem:
    """Hangs up offered calls after ``hold`` s, polls the queue twice a second and asks again for
    the calls to resume, makes queued callers abandon after ``patience`` s."""

    def __init__(self, port: int, recorder: Recorder, *, hold: float, patience: float) -> None:
        self.port, self.recorder, self.hold, self.patience = port, recorder, hold, patience
        self.lock = threading.Lock()
        self.timers: list[tuple[float, int, str, dict, str]] = []
        self.waiting: dict[str, tuple[float, dict]] = {}
        self.jobs: queue.Queue = queue.Queue()
        self.order = itertools.count()
        self.stop_event = threading.Event()
        self.counts = {"hangup": 0, "abandoned": 0, "polls": 0, "resumed": 0, "event_errors": 0}
        self.threads: list[threading.Thread] = []

    def answered(self, payload: dict, answer: dict) -> None:
        now = time.time()
        with self.lock:
            if answer.get("action") == "offer":
                self.waiting.pop(payload["call_id"], None)
                heapq.heappush(
                    self.timers, (now + self.hold, next(self.order), "hangup", payload, answer["agent"])
                )
            elif answer.get("action") == "queue":
                self.waiting.setdefault(payload["call_id"], (now, payload))

    def _event(self, client: Client, payload: dict, event: str, agent: str) -> None:
        now = time.time()
        body = {k: payload[k] for k in ("call_id", "caller", "line")}
        status, data = client.post(
            *signed(EVENTS_PATH, {**body, "event": event, "timestamp": now, "agent": agent}, now)
        )
        with self.lock:
            self.counts[event] += 1
            if status not in (200, 201):
                self.counts["event_errors"] += 1
                self.recorder.errors.append(f"event {event} {status} {data[:200]!r}")

    def _poll(self, client: Client) -> None:
        with self.lock:
            waiting = dict(self.waiting)
            self.counts["polls"] += 1
        if not waiting:
            return
        now = time.time()
        status, data = client.post(*signed(QUEUE_PATH, {"waiting": sorted(waiting)}, now))
        if status != 200:
            self.recorder.errors.append(f"queue poll {status} {data[:200]!r}")
            return
        for call_id in json.loads(data)["resume"]:
            payload = {**waiting[call_id][1], "timestamp": time.time(), "attempt": 2, "previous": "queue"}
            started = time.perf_counter()
            status, data = client.post(*signed(REAL_PATH, payload, payload["timestamp"]))
            answer = self.recorder.add("resumed", status, data, time.perf_counter() - started)
            with self.lock:
                self.counts["resumed"] += 1
            self.answered(payload, answer)

    def _worker(self) -> None:
        client = Client(self.port)
        try:
            while True:
                job = self.jobs.get()
                if job is None:
                    return
                kind, payload, agent = job
                if kind == "poll":
                    self._poll(client)
                else:
                    self._event(client, payload, kind, agent)
        finally:
            client.close()

    def _clock(self) -> None:
        next_poll = time.time()
        poll_done = threading.Event()
        poll_done.set()
        while not self.stop_event.is_set():
            now = time.time()
            with self.lock:
                while self.timers and self.timers[0][0] <= now:
                    _due, _n, kind, payload, agent = heapq.heappop(self.timers)
                    self.jobs.put((kind, payload, agent))
                for call_id, (since, payload) in list(self.waiting.items()):
                    if now - since >= self.patience:
                        del self.waiting[call_id]
                        self.jobs.put(("abandoned", payload, ""))
            if now >= next_poll and self.jobs.qsize() < 50:
                self.jobs.put(("poll", {}, ""))
                next_poll = now + 0.5
            time.sleep(0.02)

    def start(self) -> None:
        self.stop_event.clear()
        self.threads = [threading.Thread(target=self._worker, daemon=True) for _ in range(2)]
        self.threads.append(threading.Thread(target=self._clock, daemon=True))
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        self.stop_event.set()
        self.threads[-1].join()
        for _ in range(2):
            self.jobs.put(None)
        for thread in self.threads[:-1]:
            thread.join(timeout=60)
        with self.lock:
            self.timers.clear()
            self.waiting.clear()


# ----------------------------------------------------------------------------------------------
# Load


def open_loop(port: int, phone: PhoneSystem, recorder: Recorder, *, rate: float, duration: float) -> dict:
    """Route requests at ``rate``/s, each followed half a period later by a bare one; latency from
    the moment each was due."""
    rng = random.Random(17)
    start = time.time() + 1.0
    count = int(rate * duration)
    plan = []
    for i in range(count):
        at = start + i / rate
        plan.append((at, "real", real_request(rng, at)))
        plan.append((at + 0.5 / rate, "bare", bare_request(rng, at + 0.5 / rate)))
    jobs: queue.Queue = queue.Queue()

    def worker() -> None:
        client = Client(port)
        try:
            while (job := jobs.get()) is not None:
                due, endpoint, (path, body, headers, payload) = job
                sent = time.time()
                status, data = client.post(path, body, headers)
                done = time.time()
                answer = recorder.add(endpoint, status, data, done - due, done - sent)
                if endpoint == "real":
                    phone.answered(payload, answer)
        finally:
            client.close()

    workers = [threading.Thread(target=worker, daemon=True) for _ in range(8)]
    for thread in workers:
        thread.start()
    late = 0
    for due, endpoint, request in plan:
        delay = due - time.time()
        if delay > 0:
            time.sleep(delay)
        elif delay < -0.005:
            late += 1
        jobs.put((due, endpoint, request))
    for _ in workers:
        jobs.put(None)
    for thread in workers:
        thread.join(timeout=120)
    return {"planned": len(plan), "dispatched_late_over_5ms": late, "seconds": time.time() - start}


def closed_loop(
    port: int, phone: PhoneSystem | None, endpoint: str, *, connections: int, duration: float
) -> dict:
    rng = random.Random(hash(endpoint) & 0xFFFF)
    now = time.time()
    make = REQUESTS[endpoint]
    budget = int(duration * (2000 if endpoint == "bare" else 1000))
    requests = iter([make(rng, now + i / budget) for i in range(budget)])
    recorder = Recorder()
    deadline = time.perf_counter() + duration
    exhausted = threading.Event()

    def worker() -> None:
        client = Client(port)
        try:
            while time.perf_counter() < deadline:
                try:
                    path, body, headers, payload = next(requests)
                except StopIteration:
                    exhausted.set()
                    return
                started = time.perf_counter()
                status, data = client.post(path, body, headers)
                answer = recorder.add(endpoint, status, data, time.perf_counter() - started)
                if phone is not None:
                    phone.answered(payload, answer)
        finally:
            client.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=duration + 120)
    elapsed = time.perf_counter() - started
    done = len(recorder.samples)
    actions: dict[str, int] = {}
    for _e, action, *_s in recorder.samples:
        actions[action] = actions.get(action, 0) + 1
    return {
        "endpoint": endpoint,
        "requests": done,
        "seconds": elapsed,
        "requests_per_s": done / elapsed,
        "p50_ms": percentile([s for _e, _a, s, _v in recorder.samples], 50) * 1000 if done else 0.0,
        "p99_ms": percentile([s for _e, _a, s, _v in recorder.samples], 99) * 1000 if done else 0.0,
        "actions": actions,
        "errors": recorder.errors[:5],
        "error_count": len(recorder.errors),
        "exhausted": exhausted.is_set(),
    }


def stats(seconds: list[float]) -> dict:
    if not seconds:
        return {"n": 0}
    ms = [s * 1000 for s in seconds]
    return {
        "n": len(ms),
        "p50_ms": percentile(ms, 50),
        "p95_ms": percentile(ms, 95),
        "p99_ms": percentile(ms, 99),
        "max_ms": max(ms),
    }


# ----------------------------------------------------------------------------------------------
# Main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=30, help="open-loop seconds (default 30)")
    parser.add_argument("--rate", type=float, default=50, help="route decisions/s in the open loop (50)")
    parser.add_argument("--connections", type=int, default=8, help="closed-loop clients (default 8)")
    parser.add_argument("--throughput-duration", type=float, default=10, help="closed-loop seconds (10)")
    parser.add_argument("--rounds", type=int, default=2, help="closed-loop bare+real pairs (default 2)")
    parser.add_argument("--hold", type=float, default=1.0, help="seconds an offered call rings (1.0)")
    parser.add_argument("--patience", type=float, default=10.0, help="queued caller hangs up after (10 s)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--worker-class", choices=["sync", "gthread"], default="sync")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker with gthread (default 4)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 4 s open loop, 2 s closed loops")
    database_arguments(parser, "postgres://postgres@127.0.0.1:5432/pronto_bench_route")
    args = parser.parse_args(argv)
    if args.quick:
        args.duration, args.throughput_duration, args.rounds = 4, 2, 1

    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    env = bench_env(args.database_url)
    env.update({"PRONTO_TELEPHONY_SECRET": SECRET, "PRONTO_TELEPHONY_MAX_SKEW_SECONDS": "300"})
    tmp = Path(tempfile.mkdtemp(prefix="pronto-bench-route-"))
    server: Gunicorn | None = None
    recorder = Recorder()
    rounds: dict[str, list[dict]] = {"bare": [], "floor": [], "real": []}
    try:
        log(f"recreating database {urlsplit(args.database_url).path.lstrip('/')}")
        db_recreate(args.database_url)
        migrate(env)
        log(django_snippet(SEED, env).strip())
        pg_version = db_scalar(args.database_url, "SHOW server_version")
        port = free_port()
        server = Gunicorn(env, port, args.workers, args.worker_class, args.threads, tmp / "gunicorn.log")
        local = Path(sys.executable).parent / "gunicorn"
        if not Path(server.cmd[0]).exists() and local.exists():
            server.cmd[0] = str(local)
        log(f"starting gunicorn on 127.0.0.1:{port}: {' '.join(server.cmd[1:])}")
        server.start(token="-")
        phone = PhoneSystem(port, recorder, hold=args.hold, patience=args.patience)

        log("warm-up (2 s closed loop each)")
        for endpoint in ("bare", "floor", "real"):
            closed_loop(port, None, endpoint, connections=2, duration=2)
        django_snippet(RESET, env)

        log(f"open loop: {args.rate:g} route + {args.rate:g} bare requests/s for {args.duration:g} s")
        phone.start()
        open_info = open_loop(port, phone, recorder, rate=args.rate, duration=args.duration)
        phone.stop()
        open_counts = dict(phone.counts)

        for round_no in range(1, args.rounds + 1):
            for endpoint in ("bare", "floor", "real"):
                django_snippet(RESET, env)
                log(f"closed loop round {round_no}: {endpoint}, {args.connections} connections")
                phone = PhoneSystem(port, Recorder(), hold=args.hold, patience=args.patience)
                phone.start()
                result = closed_loop(
                    port,
                    phone if endpoint == "real" else None,
                    endpoint,
                    connections=args.connections,
                    duration=args.throughput_duration,
                )
                phone.stop()
                result["round"] = round_no
                rounds[endpoint].append(result)
        decisions = db_scalar(args.database_url, "SELECT count(*) FROM routing_routingdecision")
        server.stop()
        django_snippet(RESET, env)
        log("profiling 20 decisions in-process (queries, CPU)")
        profile = json.loads(django_snippet(PROFILE, env).split("PROFILE=", 1)[1])
        receipts = db_scalar(args.database_url, "SELECT count(*) FROM dispatch_telephonyreceipt")
    finally:
        if server is not None:
            server.stop()
        if not args.keep:
            db_recreate(args.database_url, drop_only=True)
        shutil.rmtree(tmp, ignore_errors=True)
    load_after = " ".join(f"{x:.2f}" for x in os.getloadavg())

    by: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for endpoint, action, seconds, service in recorder.samples:
        by.setdefault((endpoint, action), []).append((seconds, service))
        by.setdefault((endpoint, "all"), []).append((seconds, service))
        if endpoint in ("real", "resumed"):
            by.setdefault(("decisions", "all"), []).append((seconds, service))
    table = {
        f"{e}/{a}": {**stats([x for x, _ in v]), "service": stats([y for _, y in v])}
        for (e, a), v in sorted(by.items())
    }
    decisions_all = table.get("decisions/all", {"n": 0})
    p99 = decisions_all.get("p99_ms", float("inf"))
    bare_rps = sum(r["requests_per_s"] for r in rounds["bare"]) / len(rounds["bare"])
    real_rps = sum(r["requests_per_s"] for r in rounds["real"]) / len(rounds["real"])
    floor_rps = sum(r["requests_per_s"] for r in rounds["floor"]) / len(rounds["floor"])
    ratio, floor_ratio = real_rps / bare_rps, floor_rps / bare_rps
    every_run = rounds["bare"] + rounds["floor"] + rounds["real"]
    closed_errors = sum(r["error_count"] for r in every_run)
    exhausted = any(r["exhausted"] for r in every_run)
    latency_holds, ratio_holds = p99 < TARGET_P99_MS, ratio >= TARGET_RATIO
    results_right = not recorder.errors and not closed_errors

    print()
    print("POST /api/telephony/route/ vs bare signed DRF APIView (/bare/signed/)")
    print(
        f"  server : gunicorn {args.workers} x {args.worker_class}"
        + (f" ({args.threads} threads)" if args.worker_class == "gthread" else "")
        + f", both endpoints in the same process, DEBUG=false, CONN_MAX_AGE=60; PostgreSQL {pg_version}"
    )
    print(
        f"  machine: {os.cpu_count()} CPUs ({platform.machine()}), shared; load average before "
        f"{load_before}, after {load_after}"
    )
    print(
        f"  world  : {OPERATORS} operators, 3 queues, 5 rules; phone system: hold {args.hold:g} s, "
        f"patience {args.patience:g} s, queue poll every 0.5 s"
    )
    print()
    print(
        f"  open loop, {args.rate:g} new calls/s + {args.rate:g} bare/s for {args.duration:g} s "
        f"(latency from the moment due; {open_info['dispatched_late_over_5ms']} dispatched > 5 ms late)"
    )
    print(
        f"  {'endpoint / answer':<20}{'n':>6}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'max ms':>10}"
        "   service (sent to answered) p50 / p99 ms"
    )
    for key, s in table.items():
        if s["n"]:
            print(
                f"  {key:<20}{s['n']:>6}{s['p50_ms']:>10.1f}{s['p95_ms']:>10.1f}"
                f"{s['p99_ms']:>10.1f}{s['max_ms']:>10.1f}"
                f"   {s['service']['p50_ms']:9.2f} / {s['service']['p99_ms']:.2f}"
            )
    print(f"  phone system: {open_counts}")
    print()
    print(f"  closed loop, {args.connections} connections, {args.throughput_duration:g} s each, interleaved")
    print(f"  {'run':<22}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}  answers")
    for round_no in range(args.rounds):
        for endpoint in ("bare", "floor", "real"):
            r = rounds[endpoint][round_no]
            print(
                f"  {endpoint + ' #' + str(r['round']):<22}{r['requests_per_s']:>9.1f}"
                f"{r['p50_ms']:>9.2f}{r['p99_ms']:>9.2f}  {r['actions']}"
            )
    print(f"  ratio real/bare: {ratio:.1%} ({real_rps:.1f} / {bare_rps:.1f} req/s)")
    print(
        f"  ratio floor/bare: {floor_ratio:.1%} ({floor_rps:.1f} req/s): the bare view plus an offer's "
        "statements as plain SQL (benchmarks/bare/views.py SignedFloorView)"
    )
    if exhausted:
        print("  NOTE: a closed-loop run used up its pre-signed requests before the end (rate is a floor)")
    print()
    print(f"  p99 of routing decisions at {args.rate:g}/s < {TARGET_P99_MS:g} ms : "
          f"{'PASS' if latency_holds else 'MISS'} ({p99:.2f} ms)")  # fmt: skip
    print(f"  real >= {TARGET_RATIO:.0%} of bare throughput        : "
          f"{'PASS' if ratio_holds else 'MISS'} ({ratio:.1%})")  # fmt: skip
    if not results_right:
        print(f"  ERRORS: {len(recorder.errors)} open-loop, {closed_errors} closed-loop; first: "
              f"{(recorder.errors or [''])[:3]}")  # fmt: skip
    print(f"  rows: {decisions} routing decisions, {receipts} replay-guard receipts")
    done = profile["decisions"]
    print()
    print(
        "  profile, 20 decisions in-process after a reset (django.test.Client, server stopped): "
        f"{', '.join(f'{n} {a}' for a, n in Counter(d['action'] for d in done).items())}"
    )
    for key in ("queries", "sql_ms", "cpu_ms", "wall_ms"):
        values = sorted(d[key] for d in done)
        print(f"    {key:<8} median {values[len(values) // 2]:7.1f}   max {values[-1]:7.1f}")
    top = list(profile["statements_per_decision"].items())[:12]
    print("    statements per decision: " + ", ".join(f"{k.strip()} {v:g}" for k, v in top))
    print("    under cProfile, ms per decision (inflated; compare the steps):")
    for key, value in list(profile["profiled_ms_per_decision"].items())[:16]:
        print(f"      {value:8.2f}  {key}")
    out = write_results(
        "bench_route",
        {
            "config": {
                **{k: v for k, v in vars(args).items() if k != "database_url"},
                "cpus": os.cpu_count(),
                "operators": OPERATORS,
                "target_p99_ms": TARGET_P99_MS,
                "target_ratio": TARGET_RATIO,
            },
            "load_average": {"before": load_before, "after": load_after},
            "open_loop": {"latency": table, "info": open_info, "phone_system": open_counts},
            "closed_loop": rounds,
            "ratio": ratio,
            "floor_ratio": floor_ratio,
            "p99_ms": p99,
            "targets": {"p99": latency_holds, "ratio": ratio_holds},
            "errors": recorder.errors[:20],
            "profile": profile,
        },
    )
    print(f"  results: {out.relative_to(ROOT)}")
    return verdict(target_holds=latency_holds and ratio_holds, results_right=results_right)


if __name__ == "__main__":
    reexec_in_venv(__file__)
    try:
        sys.exit(main())
    except BenchError as exc:
        print(f"bench_route: FAILED: {exc}", file=sys.stderr)
        sys.exit(1)
