#!/usr/bin/env python
"""The operator's live board with 5,000 open interventions and 100,000 past calls.

Run from anywhere:  python benchmarks/bench_board.py [--requests 50]

A fresh PostgreSQL database gets 1,000 plants, 20 technicians, 100,000 past calls (ended, spread
over a year), 20,000 closed interventions, 5,000 open ones (every state from open to completed,
every priority, half of them assigned) and 30 calls in progress, written in bulk. Then, through
the whole Django stack in this process (the test client, a signed-in operator, sessions, the
context processors), ``GET /board/`` (the page) and ``GET /board/rows/`` (what it fetches every
few seconds) are timed, alternating, after a warm-up, and their queries counted.
Target (issue #5): under 200 ms, in a constant number of queries (also a test:
tests/dispatch/test_board.py).

This is not a test: it prints figures and writes them as JSON to ``benchmarks/results/``.
The benchmark database is dropped and re-created on every run (dropped at the end unless --keep).
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.telecontrol_support import (  # noqa: E402
    BenchError,
    bench_operator,
    bench_plants,
    database_arguments,
    db_drop_quietly,
    db_recreate,
    django_setup,
    log,
    machine_line,
    percentile,
    pg_version,
    reexec_in_venv,
    verdict,
    write_results,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/pronto_bench_board"
TARGET_MS = 200.0
PAST_CALLS = 100_000
CLOSED_INTERVENTIONS = 20_000
OPEN_INTERVENTIONS = 5_000
CALLS_IN_PROGRESS = 30


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=50, help="timed requests of each page")
    database_arguments(parser, DEFAULT_DATABASE_URL)
    return parser.parse_args(argv)


def seed() -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.utils import timezone

    from dispatch.choices import CallType, InterventionStatus, Role
    from dispatch.models import Call, Intervention

    rng = random.Random(5)
    now = timezone.now()
    operator = bench_operator()
    plants = bench_plants(1000, protocol="mqtt", prefix="BB")
    group = Group.objects.get_or_create(name=Role.TECHNICIAN)[0]
    technicians = []
    for i in range(20):
        technician = get_user_model().objects.create(
            username=f"tech{i:02d}", first_name="Tecnico", last_name=str(i)
        )
        technician.groups.add(group)
        technicians.append(technician)

    log(f"{PAST_CALLS:,} past calls")
    batch: list[Call] = []
    for i in range(PAST_CALLS):
        received = now - timedelta(minutes=rng.randint(60, 365 * 24 * 60))
        batch.append(
            Call(
                caller_number=f"+39{rng.randint(200000000, 399999999)}",
                received_at=received,
                answered_at=received + timedelta(seconds=5),
                ended_at=received + timedelta(seconds=rng.randint(30, 600)),
                line="800-900-000",
                operator=operator,
                plant=plants[i % len(plants)] if i % 3 else None,
                call_type=CallType.GAS_LEAK,
                created_by=operator,
            )
        )
        if len(batch) == 5000:
            Call.objects.bulk_create(batch)
            batch = []
    for i in range(CALLS_IN_PROGRESS):
        batch.append(
            Call(
                caller_number=f"+39{rng.randint(200000000, 399999999)}",
                received_at=now - timedelta(seconds=rng.randint(5, 900)),
                line="800-900-000",
                operator=operator,
                plant=plants[i],
                created_by=operator,
            )
        )
    Call.objects.bulk_create(batch)
    call_ids = list(Call.objects.values_list("pk", flat=True)[: OPEN_INTERVENTIONS + CLOSED_INTERVENTIONS])

    log(f"{CLOSED_INTERVENTIONS:,} closed and {OPEN_INTERVENTIONS:,} open interventions")
    open_states = [
        InterventionStatus.OPEN,
        InterventionStatus.ASSIGNED,
        InterventionStatus.ACKNOWLEDGED,
        InterventionStatus.ON_SITE,
        InterventionStatus.COMPLETED,
    ]
    rows = []
    for i in range(CLOSED_INTERVENTIONS + OPEN_INTERVENTIONS):
        closed = i < CLOSED_INTERVENTIONS
        status = InterventionStatus.CLOSED if closed else open_states[i % len(open_states)]
        opened = now - timedelta(minutes=rng.randint(1, 30 * 24 * 60))
        assigned = status != InterventionStatus.OPEN
        rows.append(
            Intervention(
                call_id=call_ids[i],
                plant=plants[i % len(plants)],
                summary=f"Segnalazione {i}: odore di gas nel vano scala",
                priority=1 + i % 4,
                status=status,
                technician=technicians[i % len(technicians)] if assigned else None,
                opened_at=opened,
                opened_by=operator,
                assigned_at=opened + timedelta(minutes=3) if assigned else None,
                closed_at=opened + timedelta(hours=3) if closed else None,
                closed_by=operator if closed else None,
                closing_reason="riparato"
                if status in (InterventionStatus.CLOSED, InterventionStatus.COMPLETED)
                else "",
            )
        )
    Intervention.objects.bulk_create(rows, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def timed(client, url: str, rounds: int) -> tuple[list[float], int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    count = len(queries.captured_queries)
    if response.status_code != 200:
        raise BenchError(f"{url} answered {response.status_code}")
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise BenchError(f"{url} answered {response.status_code}")
    return times, count


def main(argv=None) -> int:
    args = parse_args(argv)
    reexec_in_venv(__file__)
    log(machine_line())
    db_recreate(args.database_url)
    try:
        django_setup(args.database_url)
        from django.test import Client

        from dispatch import selectors

        seed()
        operator = bench_operator()
        client = Client(SERVER_NAME="localhost")
        client.force_login(operator)
        board = selectors.board_for_user(user=operator)
        if board.total != OPEN_INTERVENTIONS or len(board.calls) != CALLS_IN_PROGRESS:
            raise BenchError(f"the board shows {board.total} open and {len(board.calls)} calls in progress")
        for url in ("/board/", "/board/rows/"):
            timed(client, url, 5)  # warm-up
        results = {}
        page_times, rows_times = [], []
        page_queries = rows_queries = 0
        for _ in range(args.requests):
            times, page_queries = timed(client, "/board/", 1)
            page_times += times
            times, rows_queries = timed(client, "/board/rows/", 1)
            rows_times += times
        for name, times, queries in (
            ("/board/", page_times, page_queries),
            ("/board/rows/", rows_times, rows_queries),
        ):
            ms = [t * 1000 for t in times]
            results[name] = {
                "p50_ms": statistics.median(ms),
                "p99_ms": percentile(ms, 99),
                "max_ms": max(ms),
                "queries": queries,
            }
        print()
        print(
            f"Live board: {OPEN_INTERVENTIONS:,} open interventions, {CLOSED_INTERVENTIONS:,} closed, "
            f"{PAST_CALLS:,} past calls, {CALLS_IN_PROGRESS} in progress; {args.requests} requests each"
        )
        print(f"  PostgreSQL {pg_version()}; Python {platform.python_version()}; {machine_line()}")
        for name, figures in results.items():
            print(
                f"  GET {name:<14} p50 {figures['p50_ms']:6.1f} ms  p99 {figures['p99_ms']:6.1f} ms  "
                f"max {figures['max_ms']:6.1f} ms  {figures['queries']} queries"
            )
        worst = max(figures["p99_ms"] for figures in results.values())
        ok = worst < TARGET_MS
        print(f"  target < {TARGET_MS:g} ms: worst p99 {worst:.1f} ms -> {'holds' if ok else 'MISSED'}")
        out = write_results("board", {"results": results, "target_holds": ok, "machine": machine_line()})
        print(f"  results: {out.relative_to(ROOT)}")
        return verdict(target_holds=ok)
    finally:
        if not args.keep:
            db_drop_quietly(args.database_url)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as exc:
        log(f"error: {exc}")
        sys.exit(2)
