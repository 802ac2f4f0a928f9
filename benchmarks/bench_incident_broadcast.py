#!/usr/bin/env python
"""One major incident update broadcast to 10,000 subscribers, on SQLite or PostgreSQL, delivered
through a real Kannel (bearerbox, smsbox, fakesmsc; tests/servers/kannel.py) at the configured
rate, side by side with a bare loop sending the same messages straight to Kannel's sendsms.

Run from anywhere:
    python benchmarks/bench_incident_broadcast.py [--subscribers 10000] [--rate 500]
        [--database-url sqlite:////tmp/bench-bcast.sqlite3 | postgres://...] [--keep]

A fresh database gets one customer, one plant, an incident declared on it (by the rule path:
no actor) and ``--subscribers`` subscribers. Timed:

1. the outbox rows: ``incidents.broadcast.update_broadcast`` for one update, in one transaction
   (the Notification rows and their IncidentDelivery rows). Target (issue #19): under 2 s;
2. the drain: ``incidents.broadcast.update_deliver`` run in this process (as the Celery task
   would) handing every row to Kannel at ``--rate`` a second through the real backend; then what
   fakesmsc (the phone network) received is counted per number: none lost, none doubled;
3. the bare loop: the same texts to the same numbers, one HTTP GET each to sendsms, paced at the
   same rate, counted the same way.

Printed: the write time, each delivery's elapsed time and achieved rate, lost and doubled.
Exit 0 when the write is under 2 s, the drain reaches 90 % of the rate and nothing is lost or
doubled (2 when a count is wrong, 1 when only a target is missed).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.telecontrol_support import (  # noqa: E402
    db_drop_quietly,
    db_recreate,
    log,
    machine_line,
    reexec_in_venv,
    verdict,
    write_results,
)

DEFAULT_DATABASE_URL = "sqlite:////tmp/pronto-bench-incident-broadcast.sqlite3"
TARGET_SECONDS = 2.0
RATE_SHARE = 0.9  # the drain must reach this share of the configured rate


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=500.0, help="SMS a second handed to Kannel")
    parser.add_argument(
        "--database-url", default=os.environ.get("PRONTO_BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    parser.add_argument("--skip-bare", action="store_true", help="no bare loop")
    parser.add_argument("--write-only", action="store_true", help="time the outbox rows only")
    return parser.parse_args(argv)


def _setup(database_url: str, kannel, rate: float) -> None:
    os.environ.pop("PRONTO_ENV", None)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": database_url, "DEBUG": "false",
            "LOG_LEVEL": "WARNING", "PRONTO_SMS_BACKEND": "notifications.backends.kannel.KannelSmsBackend",
            "PRONTO_KANNEL_URL": kannel.sendsms_url, "PRONTO_KANNEL_USERNAME": kannel.username,
            "PRONTO_KANNEL_PASSWORD": kannel.password, "PRONTO_INCIDENT_SMS_RATE_PER_SECOND": str(rate),
        }
    )  # fmt: skip
    if database_url.startswith("sqlite"):
        Path(urlsplit(database_url).path).unlink(missing_ok=True)
    else:
        db_recreate(database_url)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def _seed(subscribers: int):
    from django.utils import timezone

    from dispatch.models import Customer, Plant
    from incidents.models import IncidentSubscriber, IncidentUpdate
    from incidents.services import incident_declare

    customer = Customer.objects.create(code="bench", name="Bench Gas")
    node = Plant.objects.create(customer=customer, code="CAB-1", name="Cabin 1", kind="gas_cabin")
    incident = incident_declare(actor=None, node=node, title="Cabin 1 down", public_message="Gas is off.")
    now = timezone.now()
    IncidentSubscriber.objects.bulk_create(
        [
            IncidentSubscriber(incident=incident, number=f"+39333{n:07d}", subscribed_at=now)
            for n in range(subscribers)
        ],
        batch_size=2000,
    )
    return IncidentUpdate.objects.create(
        incident=incident, position=2, kind="message", public_text="Crews on site; back by 18:00.", at=now
    )


def _received(kannel, start: int, numbers: set[str]) -> Counter:
    return Counter(m.receiver for m in kannel.phone.messages()[start:] if m.receiver in numbers)


def _wait_received(kannel, start: int, numbers: set[str], expected: int, timeout: float = 60.0) -> Counter:
    """Wait until fakesmsc has printed ``expected`` messages to these numbers (or stops growing)."""
    deadline, last, still = time.monotonic() + timeout, -1, 0.0
    while True:
        got = _received(kannel, start, numbers)
        total = sum(got.values())
        if total >= expected or time.monotonic() > deadline:
            time.sleep(1.0)  # a doubled message would arrive meanwhile
            return _received(kannel, start, numbers)
        if total == last:
            still += 0.2
            if still > 10:
                return got
        else:
            last, still = total, 0.0
        time.sleep(0.2)


def _figures(name: str, got: Counter, numbers: set[str], elapsed: float) -> dict:
    lost = len(numbers - set(got))
    doubled = sum(1 for count in got.values() if count > 1)
    total = sum(got.values())
    log(
        f"{name}: {total} SMS received in {elapsed:.2f} s ({total / elapsed:.0f}/s), "
        f"lost {lost}, doubled {doubled}"
    )
    return {"received": total, "seconds": round(elapsed, 3), "rate": round(total / elapsed, 1), "lost": lost,
            "doubled": doubled}  # fmt: skip


def _bare_loop(kannel, numbers: list[str], text: str, rate: float) -> float:
    """The same messages, one sendsms GET each, paced like the drain; no database at all."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    started = time.monotonic()
    for n, number in enumerate(numbers):
        wait = started + n / rate - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        query = urllib.parse.urlencode(
            {"username": kannel.username, "password": kannel.password, "to": number, "text": text,
             "from": "Pronto", "charset": "UTF-8", "coding": 0}
        )  # fmt: skip
        with opener.open(f"{kannel.sendsms_url}?{query}", timeout=10) as answer:
            answer.read()
    return time.monotonic() - started


def run(args) -> int:
    from tests.servers.kannel import KannelGateway

    kannel = KannelGateway.create()
    kannel.start()
    try:
        _setup(args.database_url, kannel, args.rate)
        from django.db import connection, transaction

        from incidents import broadcast
        from notifications.models import Notification

        log(f"{machine_line()}; {connection.vendor}; {args.subscribers} subscribers, rate {args.rate}/s")
        update = _seed(args.subscribers)
        # Timed alone: the after-commit enqueue (the broker's publish) is the worker's side.
        broadcast.task_enqueue_on_commit = lambda *a, **k: None
        broadcast.task_enqueue_each_on_commit = lambda *a, **k: None
        # The drain's next slice is called by the loop below, not queued (eagerly: nested, uncounted).
        broadcast.task_send = lambda *a, **k: None
        started = time.perf_counter()
        with transaction.atomic():
            written = broadcast.update_broadcast(update=update)
        write_seconds = time.perf_counter() - started
        log(f"outbox rows: {written} written in {write_seconds:.3f} s (target < {TARGET_SECONDS} s)")

        rows = list(
            Notification.objects.filter(incident_delivery__update=update).values_list("recipient", "body")
        )
        numbers = {number for number, _body in rows}
        text = rows[0][1]
        start = len(kannel.phone.messages())
        started = time.monotonic()
        handed = 0
        while True:  # as the task does: slices, each queueing the next (here: called again)
            result = broadcast.update_deliver(update_id=update.pk, budget_seconds=45.0)
            handed += result["handed"]
            if not result["left"]:
                break
        drain_seconds = time.monotonic() - started
        got = _wait_received(kannel, start, numbers, len(numbers))
        drain = _figures("drain (update_deliver → KannelSmsBackend)", got, numbers, drain_seconds)
        drain["handed"] = handed
        drain["handed_rate"] = round(handed / drain_seconds, 1)
        log(f"  handed to Kannel at {drain['handed_rate']}/s (configured {args.rate}/s)")
        bare = None
        if not args.skip_bare:
            start = len(kannel.phone.messages())
            elapsed = _bare_loop(kannel, sorted(numbers), text, args.rate)
            bare = _figures("bare loop (sendsms GETs)", _wait_received(kannel, start, numbers, len(numbers)),
                            numbers, elapsed)  # fmt: skip
        write_results(
            "incident_broadcast",
            {"database": connection.vendor, "subscribers": args.subscribers, "rate": args.rate,
             "write_seconds": round(write_seconds, 3), "drain": drain, "bare": bare},
        )  # fmt: skip
        right = drain["lost"] == 0 and drain["doubled"] == 0 and written == args.subscribers
        holds = write_seconds < TARGET_SECONDS and drain["handed_rate"] >= RATE_SHARE * args.rate
        return verdict(target_holds=holds, results_right=right)
    finally:
        kannel.close()
        if not args.keep and not args.database_url.startswith("sqlite"):
            db_drop_quietly(args.database_url)


def main(argv=None) -> int:
    args = parse_args(argv)
    reexec_in_venv(__file__)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
