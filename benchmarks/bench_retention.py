#!/usr/bin/env python
"""The retention job over 1,000,000 expired calls: throughput, and how long a batch locks calls.

Run from anywhere:  python benchmarks/bench_retention.py [--calls 1000000]

A fresh PostgreSQL database gets ``--calls`` calls received eight years ago (past every default
policy), each with its caller's number and a note as ``PersonalDatum`` rows and the first event
of its history, all written by SQL in bulk (``INSERT ... SELECT generate_series``). The events'
digests are placeholders: the chains do not verify, and need not for this measure. One call in
200 has not ended, one in ten has an intervention (one in a hundred of those still open), and
three callers (about 12 calls each at 1M) are under a legal hold. Then
``privacy.services.retention.personal_data_retention`` runs once, as the nightly task runs it:
subject by subject through ``dispatch.services.personal_erase``, in batches of
``PRONTO_RETENTION_BATCH_SIZE``, each its own transaction.

Printed: calls erased per second (calls whose number went, over the whole run's time), the
batches, and the longest time a batch held its transaction (and so its row locks on
``dispatch_call``). Target (issue #15): no batch over 1 s; the counts must match what the seed
says should go (exit 2 otherwise). The database is dropped at the end unless --keep.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
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
    pg_version,
    reexec_in_venv,
    verdict,
    write_results,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/pronto_bench_retention"
TARGET_BATCH_SECONDS = 1.0


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=1_000_000)
    database_arguments(parser, DEFAULT_DATABASE_URL)
    return parser.parse_args(argv)


def seed(calls: int) -> int:
    """Write the calls; returns how many of them retention should erase."""
    import datetime as dt

    from django.db import connection
    from django.utils import timezone

    from privacy.models import LegalHold

    operator = bench_operator()
    plant = bench_plants(1, protocol="mqtt", prefix="RT")[0]
    callers = max(1, calls // 4)
    started = time.perf_counter()
    params = {"operator": operator.pk, "plant": plant.pk, "calls": calls, "callers": callers}
    with connection.cursor() as cursor:
        log(f"{calls:,} calls from {callers:,} callers")
        cursor.execute(
            """
            INSERT INTO dispatch_call (external_id, source, caller_number, caller_token, received_at,
                answered_at, ended_at, duration_seconds, line, operator_id, plant_id, plant_match, call_type,
                notes, created_at, created_by_id)
            SELECT NULL, 'telephony', n, md5(n) || md5(n || '.'), r, r + interval '20 seconds',
                   CASE WHEN i %% 200 = 7 THEN NULL ELSE r + interval '3 minutes' END,
                   CASE WHEN i %% 200 = 7 THEN NULL ELSE 180 END, '800-900-000', %(operator)s,
                   %(plant)s, 'known_number', 'gas_leak', 'Nota della chiamata ' || i, r, %(operator)s
            FROM (SELECT i, '+39' || (300000000 + i %% %(callers)s) AS n,
                         now() - interval '8 years' + (i::float8 / %(calls)s) * interval '300 days' AS r
                  FROM generate_series(1, %(calls)s) AS i) AS s
            """,
            params,
        )
        log("their personal data and first events")
        for kind, column, prefix in (("caller_number", "caller_number", "n"), ("note", "notes", "t")):
            cursor.execute(
                f"""
                INSERT INTO dispatch_personaldatum (kind, value, salt, commitment, call_id, intervention_id,
                    created_at, erased_at, erased_because)
                SELECT '{kind}', to_jsonb(c.{column}), 's', '{prefix}' || c.id, c.id, NULL, c.received_at,
                       NULL, ''
                FROM dispatch_call c
                """
            )
        cursor.execute(
            """
            INSERT INTO dispatch_event (subject_type, subject_id, seq, occurred_at, actor_id, actor_label,
                kind, call_id, intervention_id, data, prev_hash, hash)
            SELECT 'call', c.id, 1, c.received_at, NULL, 'system', 'call.logged', c.id, NULL,
                   jsonb_build_object('after', jsonb_build_object(
                       'caller_number', jsonb_build_object('$personal', 'n' || c.id),
                       'notes', jsonb_build_object('$personal', 't' || c.id))),
                   '', md5(c.id::text) || md5(c.id::text || '.')
            FROM dispatch_call c
            """
        )
        log("interventions for one call in ten (one in a hundred of them open)")
        cursor.execute(
            """
            INSERT INTO dispatch_intervention (call_id, plant_id, summary, priority, status, technician_id,
                closing_reason, cancel_reason, close_override_reason, opened_at, opened_by_id, assigned_at,
                acknowledged_at, arrived_at, completed_at, closed_at, closed_by_id, cancelled_at)
            SELECT c.id, c.plant_id, 'Odore di gas', 1,
                   CASE WHEN c.id %% 1000 = 0 THEN 'assigned' ELSE 'closed' END, %(operator)s,
                   CASE WHEN c.id %% 1000 = 0 THEN '' ELSE 'riparato' END, '', '',
                   c.received_at + interval '3 minutes', %(operator)s, c.received_at + interval '5 minutes',
                   NULL, NULL, NULL,
                   CASE WHEN c.id %% 1000 = 0 THEN NULL ELSE c.received_at + interval '2 hours' END,
                   CASE WHEN c.id %% 1000 = 0 THEN NULL ELSE %(operator)s END, NULL
            FROM dispatch_call c WHERE c.id %% 10 = 0
            """,
            params,
        )
        cursor.execute("SELECT DISTINCT caller_token FROM dispatch_call ORDER BY caller_token LIMIT 3")
        held_tokens = [row[0] for row in cursor.fetchall()]
        until = timezone.localdate() + dt.timedelta(days=365)
        for token in held_tokens:
            LegalHold.objects.create(
                caller_token=token, reason="bench", until=until, set_by=operator, set_at=timezone.now()
            )
        cursor.execute(
            """
            SELECT count(*) FROM dispatch_call c
            WHERE c.ended_at IS NOT NULL AND c.caller_token <> ALL(%(held)s)
              AND NOT EXISTS (SELECT 1 FROM dispatch_intervention i WHERE i.call_id = c.id
                              AND i.status NOT IN ('closed', 'cancelled'))
            """,
            {"held": held_tokens},
        )
        expected = cursor.fetchone()[0]
        cursor.execute("ANALYZE")
    log(f"seeded in {time.perf_counter() - started:.0f} s; {expected:,} calls should be erased")
    return expected


def main(argv=None) -> int:
    args = parse_args(argv)
    reexec_in_venv(__file__)
    log(machine_line())
    db_recreate(args.database_url)
    try:
        django_setup(args.database_url)
        from django.conf import settings

        from dispatch.models import PersonalDatum
        from privacy.services.retention import personal_data_retention

        expected = seed(args.calls)
        log("retention job")
        started = time.perf_counter()
        run = personal_data_retention()
        elapsed = time.perf_counter() - started
        numbers = run.counts["caller_number"]
        erased_rows = PersonalDatum.objects.filter(kind="caller_number", erased_at__isnull=False).count()
        right = numbers["erased"] == expected == erased_rows and run.counts["note"]["erased"] == expected
        longest_s = run.longest_batch_ms / 1000
        ok = longest_s <= TARGET_BATCH_SECONDS
        print()
        versions = f"PostgreSQL {pg_version()}; Python {platform.python_version()}"
        print(f"Retention job over {args.calls:,} calls ({versions})")
        print(f"  {machine_line()}")
        print(
            f"  erased {numbers['erased']:,} calls' numbers and {run.counts['note']['erased']:,} notes "
            f"(expected {expected:,}); skipped open {numbers['skipped_open']:,}, "
            f"held {numbers['skipped_held']:,}"
        )
        print(f"  run: {elapsed:.1f} s; throughput {numbers['erased'] / elapsed:,.0f} calls erased/s")
        print(f"  batches: {run.batches:,} of up to {settings.PRONTO_RETENTION_BATCH_SIZE} subjects")
        print(
            f"  longest batch transaction (row locks on dispatch_call held): {run.longest_batch_ms:.0f} ms; "
            f"target <= {TARGET_BATCH_SECONDS:g} s -> {'holds' if ok else 'MISSED'}"
        )
        if not right:
            print(f"  COUNTS WRONG: run {run.counts}, rows erased {erased_rows:,}, expected {expected:,}")
        out = write_results(
            "retention",
            {
                "calls": args.calls, "expected": expected, "counts": run.counts, "seconds": elapsed,
                "calls_per_second": numbers["erased"] / elapsed, "batches": run.batches,
                "longest_batch_ms": run.longest_batch_ms, "target_holds": ok, "results_right": right,
                "machine": machine_line(),
            },
        )  # fmt: skip
        print(f"  results: {out.relative_to(ROOT)}")
        return verdict(target_holds=ok, results_right=right)
    finally:
        if not args.keep:
            db_drop_quietly(args.database_url)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as exc:
        log(f"error: {exc}")
        sys.exit(2)
