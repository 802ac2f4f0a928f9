#!/usr/bin/env python
"""The monthly review sample over a generated month of 20,000 calls for 40 operators, on PostgreSQL.

Run from anywhere:  python benchmarks/bench_review_sample.py [--calls 20000] [--operators 40]
                    [--rounds 5] [--database-url postgres://...] [--keep]

A fresh database (dropped and made again) gets a month (October 2026) of ``--calls`` ended calls
spread over ``--operators`` operators, inserted in SQL: 97% with a recording kept (the rest
deleted by retention), 15% with a survey answered (scores 1 to 5), 1% with a complaint, one in a
thousand a test call. Timed: ``reviews.services.samples_draw`` for the month, as the scheduled
draw makes it (the candidates' one query, the draw, 40 samples and their items written), each
round in a transaction rolled back so every round draws the same month from nothing.

Checked (exit 2 when wrong): every round with the same seed gives the same samples; every
operator's sample holds 10 calls; no call without a kept recording; all of an operator's test
calls, complaints and low scores come before any call picked at random, and none of them is left
out while a random one is in. Target (issue 21): the draw under 5 s (exit 1 when missed).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.telecontrol_support import (  # noqa: E402
    database_arguments,
    db_drop_quietly,
    db_recreate,
    django_setup,
    log,
    machine_line,
    pg_version,
    reexec_in_venv,
    summary_ms,
    verdict,
    write_results,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/pronto_bench_reviews"
TARGET_SECONDS = 5.0
SEED = 20261101


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--operators", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=5)
    database_arguments(parser, DEFAULT_DATABASE_URL)
    return parser.parse_args(argv)


def seed(calls: int, operators: int) -> list[int]:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection

    from dispatch.choices import Role
    from tests.factories import CustomerFactory, PlantFactory

    group = Group.objects.get_or_create(name=Role.OPERATOR)[0]
    users = [get_user_model().objects.create(username=f"bench-op-{n:02d}") for n in range(operators)]
    group.user_set.add(*users)
    ids = [u.pk for u in users]
    plant = PlantFactory(customer=CustomerFactory(code="bench", name="Bench Gas"), code="BRV-1")
    with connection.cursor() as cursor:
        log(f"{calls:,} calls of October 2026 for {operators} operators")
        cursor.execute(
            """
            INSERT INTO dispatch_call (external_id, source, caller_number, caller_token, received_at,
                answered_at, ended_at, duration_seconds, line, operator_id, plant_id, plant_match, call_type,
                notes, is_test, created_at, created_by_id)
            SELECT NULL, 'telephony', '+39347' || (1000000 + i), '', r, r + interval '20 seconds',
                   r + interval '200 seconds', 200, '800-900-000',
                   (%(ids)s::bigint[])[1 + (i * 7919) %% %(n)s],
                   %(plant)s, 'known_number', 'gas_leak', '', i %% 1000 = 7, r, NULL
            FROM (SELECT i, timestamptz '2026-10-01 00:00:00+02'
                            + (i::float8 / %(calls)s) * interval '30 days' AS r
                  FROM generate_series(1, %(calls)s) AS i) AS s
            """,
            {"ids": ids, "n": operators, "plant": plant.pk, "calls": calls},
        )
        log("recordings (97% kept), surveys (15% answered), complaints (1%)")
        cursor.execute(
            """
            INSERT INTO quality_callrecording (call_id, file, sha256, size_bytes, content_type,
                duration_seconds, source, source_url, received_at, deleted_at, deleted_reason)
            SELECT id, CASE WHEN id %% 33 = 0 THEN '' ELSE 'recordings/bench/' || id || '.wav' END,
                   md5(id::text) || md5((id + 1)::text), 32044, 'audio/wav', 200, 'upload', '', ended_at,
                   CASE WHEN id %% 33 = 0 THEN ended_at + interval '1 day' END,
                   CASE WHEN id %% 33 = 0 THEN 'retention' ELSE '' END
            FROM dispatch_call
            """,
            {},
        )
        cursor.execute(
            """
            INSERT INTO feedback_surveyrequest (call_id, number, sent_at, expires_at, answered_at, score,
                reply_text)
            SELECT id, caller_number, ended_at + interval '10 minutes', ended_at + interval '2 days',
                   CASE WHEN (id * 31) %% 100 < 15 THEN ended_at + interval '1 hour' END,
                   CASE WHEN (id * 31) %% 100 < 15 THEN 1 + (id * 17) %% 5 END, ''
            FROM dispatch_call
            """,
            {},
        )
        cursor.execute(
            """
            INSERT INTO feedback_complaint (call_id, source, score, text, opened_at, status, handled_notes)
            SELECT id, 'survey', 1, '', ended_at + interval '1 hour', 'open', ''
            FROM dispatch_call WHERE (id * 13) %% 100 = 0
            """,
            {},
        )
        cursor.execute("ANALYZE")
    return ids


def check(picks: dict, facts: dict) -> list[str]:
    """What is wrong with one round's samples (empty when right)."""
    wrong = []
    for operator_id, items in picks.items():
        if len(items) != 10:
            wrong.append(f"operator {operator_id}: {len(items)} calls")
        reasons = [reason for _call, reason in items]
        if "random" in reasons and any(r != "random" for r in reasons[reasons.index("random") :]):
            wrong.append(f"operator {operator_id}: a preferred call after a random one")
        for call_id, _reason in items:
            if not facts[call_id]["recorded"]:
                wrong.append(f"call {call_id} has no recording kept")
        if "random" in reasons:
            preferred = {
                c
                for c, f in facts.items()
                if f["operator"] == operator_id and f["recorded"] and f["preferred"]
            }
            missing = preferred - {c for c, _r in items}
            if missing:
                wrong.append(f"operator {operator_id}: {len(missing)} preferred calls left out")
    return wrong


def main(argv: list[str] | None = None) -> int:
    reexec_in_venv(__file__)
    args = parse_args(argv)
    db_recreate(args.database_url)
    try:
        django_setup(args.database_url)
        import datetime as dt

        from django.db import connection, transaction

        from reviews import services
        from reviews.models import ReviewItem

        seed(args.calls, args.operators)
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT c.id, c.operator_id, r.id IS NOT NULL,
                       c.is_test OR k.id IS NOT NULL OR coalesce(s.score, 9) <= 2
                FROM dispatch_call c
                LEFT JOIN quality_callrecording r
                       ON r.call_id = c.id AND r.deleted_at IS NULL AND r.file <> ''
                LEFT JOIN feedback_complaint k ON k.call_id = c.id
                LEFT JOIN feedback_surveyrequest s ON s.call_id = c.id
                """
            )
            facts = {row[0]: {"operator": row[1], "recorded": row[2], "preferred": row[3]} for row in cursor}
        month, now = dt.date(2026, 10, 1), dt.datetime(2026, 11, 1, 6, tzinfo=dt.UTC)
        times, rounds = [], []
        for _round in range(args.rounds):
            with transaction.atomic():
                started = time.perf_counter()
                drawn = services.samples_draw(month=month, seed=SEED, size=10, now=now)
                times.append(time.perf_counter() - started)
                items = ReviewItem.objects.filter(sample__in=drawn).order_by("sample__operator_id", "rank")
                picks: dict[int, list] = {}
                rows = items.values_list("sample__operator_id", "call_id", "reason")
                for operator_id, call_id, reason in rows:
                    picks.setdefault(operator_id, []).append((call_id, reason))
                rounds.append(picks)
                transaction.set_rollback(True)
        wrong = check(rounds[0], facts)
        if any(r != rounds[0] for r in rounds[1:]):
            wrong.append("the same seed drew different samples")
        if len(rounds[0]) != args.operators:
            wrong.append(f"{len(rounds[0])} samples for {args.operators} operators")
        summary = summary_ms(times)
        reasons: dict[str, int] = {}
        for items in rounds[0].values():
            for _call, reason in items:
                reasons[reason] = reasons.get(reason, 0) + 1
        holds = max(times) < TARGET_SECONDS
        print(f"# review sample: {args.calls:,} calls, {args.operators} operators, PostgreSQL {pg_version()}")
        print(f"# {machine_line()}")
        slowest = max(times) * 1000
        print(f"draw p50 {summary['p50_ms']:.0f} ms, slowest {slowest:.0f} ms over {args.rounds} rounds")
        print(f"target: the draw under {TARGET_SECONDS:.0f} s: {'holds' if holds else 'MISSED'}")
        print(f"picked by reason: {reasons}")
        print("results: " + ("right" if not wrong else "WRONG: " + "; ".join(wrong[:10])))
        write_results("review-sample", {"times_s": times, "reasons": reasons, "wrong": wrong[:50]})
        return verdict(target_holds=holds, results_right=not wrong)
    finally:
        if not args.keep:
            db_drop_quietly(args.database_url)


if __name__ == "__main__":
    sys.exit(main())
