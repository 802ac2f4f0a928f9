#!/usr/bin/env python
"""Dispatch latency: from the assign request to each real gateway accepting the technician's
message, beside a bare Celery task handing an already-rendered message to the same gateways.

Run from anywhere:  python benchmarks/bench_dispatch_latency.py [--assignments 500]

Set-up (everything real, private, on free loopback ports, stopped at the end):
- Redis (``redis-server``) as the Celery broker; one ``celery -A config worker`` process
  (prefork, ``--concurrency`` 4) with the project's settings and ``DB_CONN_MAX_AGE=60`` as in
  production; PostgreSQL (a fresh benchmark database);
- Kannel (bearerbox + smsbox + fakesmsc) for SMS; aiosmtpd for email; for fax, a private HylaFAX
  (hfaxd + faxq, jobs queued for a modem that never dials) when it can run here (root, packages
  from scripts/ensure_hylafax.sh), else the email-to-fax gateway over the same SMTP server
  (``--fax email`` forces it). The run says which.
- One technician with three contact points (SMS, email, fax): each assignment makes three
  outbox rows, three tasks and three gateway calls.

Compared, alternating one round of each (so drift of the machine affects both alike):
(a) bare: at t0 three ``bench.bare_send`` tasks (``benchmarks/bare_dispatch.py``) are enqueued,
    one per channel, each carrying its message already rendered (the sendsms URL, the MIME
    bytes, the PDF); the worker hands it to the gateway and stamps the moment the gateway
    accepted it in Redis. No database, no rendering.
(b) Pronto: at t0 ``POST /api/interventions/{id}/assign/`` (DRF test client in this process,
    token authentication, the whole view and service: history events, outbox rows rendered in
    the transaction, tasks enqueued on commit); the worker runs ``notification_send`` for each
    row (claim, fax page rendered and archived on the plant, gateway call, outcome recorded);
    the acceptance moment is the row's ``sent_at``, stamped right after the gateway answered.
Latency = acceptance - t0, per channel and for the last of the three. A round ends when all
three are accepted; the next starts ``--pause`` (0.1 s) later, once the aftermath of the last
(delivery reports, HylaFAX's scheduling, the history writes after each send) has settled: one
assignment at a time, as a latency measure, not a throughput one.
Target (issue #4): (b) p99 under 1 s, and (b) p50 under 3x (a) p50, where a path's latency is
that of the dispatch: until all three gateways have accepted. Per channel the ratios are printed
too, for information: for SMS and email the bare path (a Celery hop plus a loopback gateway,
5-8 ms) is shorter than the assign request alone (authentication, the intervention's lock, two
hash-chained history events, three outbox rows, the commit, three enqueues: 10-18 ms), so no
assignment through an API could come within 3x of it.

Afterwards: every row ``sent`` after one attempt, and each gateway received exactly what was
sent (no message lost or doubled): SMS counted at the fake SMSC, emails at the SMTP server,
faxes as HylaFAX jobs (or emails to the fax gateway).

This is not a test: it prints figures and writes them as JSON to ``benchmarks/results/``.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from email.policy import SMTP as SMTP_POLICY
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.telecontrol_support import (  # noqa: E402
    BenchError,
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

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/pronto_bench_dispatch"
CHANNELS = ("sms", "email", "fax")
TARGET_P99_S = 1.0
TARGET_P50_RATIO = 3.0
SMS_NUMBER = "+393331234567"
EMAIL = "tech@example.net"
FAX_NUMBER = "+390298765432"
ROUND_TIMEOUT_S = 30.0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--assignments", type=int, default=500, help="measured rounds of each path")
    parser.add_argument("--warmup", type=int, default=20, help="rounds of each path not counted")
    parser.add_argument("--concurrency", type=int, default=4, help="worker processes (prefork)")
    parser.add_argument(
        "--pause",
        type=float,
        default=0.1,
        help="seconds idle before each round, so that the previous one's aftermath (delivery reports, "
        "HylaFAX's scheduling, history writes) is not timed into it",
    )
    parser.add_argument("--fax", choices=("auto", "hylafax", "email"), default="auto")
    parser.add_argument(
        "--database-url", default=os.environ.get("PRONTO_BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    return parser.parse_args(argv)


# ----------------------------------------------------------------------------------------------
# Gateways


class SmtpSinkProcess:
    """The SMTP server in a process of its own: in this process it would compete for the GIL
    with the assign request and the polling of the real path (while this process sits idle in
    BLPOP during a bare round), which is not what a gateway costs. Counts what it receives."""

    def __init__(self) -> None:
        import multiprocessing

        from tests.servers import free_port

        context = multiprocessing.get_context("fork")
        self.host, self.port = "127.0.0.1", free_port()
        self._to_technician = context.Value("i", 0)
        self._to_others = context.Value("i", 0)
        self._stop = context.Event()
        self._ready = context.Event()
        self._process = context.Process(target=self._serve, daemon=True)

    def _serve(self) -> None:
        import logging

        from tests.servers.smtp import SmtpSink

        logging.getLogger("mail.log").setLevel(logging.WARNING)
        sink = SmtpSink(host=self.host, port=self.port)
        original = sink._accept

        def accept(envelope, session):
            counter = self._to_technician if list(envelope.rcpt_tos) == [EMAIL] else self._to_others
            with counter.get_lock():
                counter.value += 1
            return original(envelope, session)

        sink._accept = accept
        sink.start()
        self._ready.set()
        self._stop.wait()
        sink.stop()

    def start(self) -> SmtpSinkProcess:
        self._process.start()
        if not self._ready.wait(15):
            raise RuntimeError("the SMTP server process did not start")
        return self

    def counts(self) -> tuple[int, int]:
        return self._to_technician.value, self._to_others.value

    def stop(self) -> None:
        self._stop.set()
        self._process.join(10)
        if self._process.is_alive():
            self._process.kill()


class Gateways:
    """Redis, Kannel, SMTP, HylaFAX (or not) and a sink for Kannel's delivery reports."""

    def __init__(self, fax: str) -> None:
        self.fax_wanted = fax
        self.redis = self.kannel = self.smtp = self.reports = self.hylafax = None

    def __enter__(self) -> Gateways:
        from tests.servers.kannel import HttpRecorder, KannelGateway
        from tests.servers.redis import RedisServer

        try:
            self.redis = RedisServer.create()
            self.redis.start()
            self.reports = HttpRecorder().start()
            self.kannel = KannelGateway.create()
            self.kannel.start()
            self.smtp = SmtpSinkProcess().start()
        except RuntimeError as exc:
            self.__exit__(None, None, None)
            raise BenchError(
                f"{exc} (scripts/ensure_redis.sh and scripts/ensure_kannel.sh install them)"
            ) from exc
        if self.fax_wanted in ("auto", "hylafax"):
            from tests.servers.hylafax import HylafaxGateway

            try:
                self.hylafax = HylafaxGateway.create()
                self.hylafax.start()
            except RuntimeError as exc:
                self.hylafax = None
                if self.fax_wanted == "hylafax":
                    self.__exit__(None, None, None)
                    raise BenchError(f"HylaFAX: {exc}") from exc
                why = str(exc).splitlines()[0]
                log(f"HylaFAX cannot run here ({why}): fax through the email-to-fax gateway")
        return self

    def __exit__(self, *exc_info) -> None:
        for server in (self.hylafax, self.smtp, self.kannel, self.reports, self.redis):
            if server is None:
                continue
            try:
                server.close() if hasattr(server, "close") else server.stop()
            except Exception as exc:  # noqa: BLE001 - cleanup goes on
                log(f"stopping {type(server).__name__}: {exc}")

    @property
    def fax_path(self) -> str:
        return f"HylaFAX hfaxd on {self.hylafax.address}" if self.hylafax else "email-to-fax over SMTP"

    def settings_env(self, media_root: Path) -> dict[str, str]:
        env = {
            "CELERY_BROKER_URL": self.redis.url(),
            "MEDIA_ROOT": str(media_root),
            "DB_CONN_MAX_AGE": "60",
            "PRONTO_PUBLIC_URL": self.reports.url("").rstrip("/"),
            "PRONTO_SMS_BACKEND": "notifications.backends.kannel.KannelSmsBackend",
            "PRONTO_KANNEL_URL": self.kannel.sendsms_url,
            "PRONTO_KANNEL_USERNAME": self.kannel.username,
            "PRONTO_KANNEL_PASSWORD": self.kannel.password,
            "PRONTO_EMAIL_BACKEND": "notifications.backends.smtp.SmtpEmailBackend",
            "PRONTO_SMTP_HOST": self.smtp.host,
            "PRONTO_SMTP_PORT": str(self.smtp.port),
            "PRONTO_EMAIL_FROM": "pronto@example.net",
            # Nothing escalates during the run: the escalation chains run from their own beat
            # task (escalations.tasks.escalations_sweep), not from the notifications' sweep.
        }
        if self.hylafax:
            env.update(
                PRONTO_FAX_BACKEND="notifications.backends.hylafax.HylafaxFaxBackend",
                PRONTO_HYLAFAX_HOST=self.hylafax.host,
                PRONTO_HYLAFAX_PORT=str(self.hylafax.port),
                PRONTO_HYLAFAX_USER=self.hylafax.user,
                PRONTO_HYLAFAX_PASSWORD=self.hylafax.password,
            )
        else:
            env.update(
                PRONTO_FAX_BACKEND="notifications.backends.fax_email.EmailFaxBackend",
                PRONTO_FAX_EMAIL_ADDRESS="{number}@fax.example.net",
            )
        return env


# ----------------------------------------------------------------------------------------------
# The world


def seed(rounds: int):
    """An operator (with an API token), a technician on three channels, and ``rounds`` open
    interventions on one plant, each from its own call."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from benchmarks.telecontrol_support import bench_operator, bench_plants
    from dispatch import services
    from dispatch.choices import Role
    from dispatch.services.api_tokens import api_token_issue
    from notifications.models import ContactPoint

    operator = bench_operator()
    technician = get_user_model().objects.create(username="bench-technician", first_name="Tecnico")
    technician.groups.add(Group.objects.get_or_create(name=Role.TECHNICIAN)[0])
    for position, (channel, address) in enumerate(
        (("sms", SMS_NUMBER), ("email", EMAIL), ("fax", FAX_NUMBER))
    ):
        ContactPoint.objects.create(user=technician, channel=channel, address=address, position=position)
    [plant] = bench_plants(1, protocol="mqtt", prefix="BD")
    interventions = []
    for i in range(rounds):
        call = services.call_log(
            actor=operator, caller_number=f"+39 02 555 {i:04d}", plant=plant, call_type="gas_leak"
        )
        interventions.append(
            services.intervention_open(
                actor=operator, call=call, summary=f"Odore di gas nel vano scala, giro {i}"
            )
        )
    return api_token_issue(user=operator).token, technician, [i.pk for i in interventions]


def bare_messages(gateways: Gateways) -> dict[str, tuple[str, dict]]:
    """One message per channel, rendered once here the way Pronto renders it (the summary of a
    real assignment), in the form each gateway takes: channel key -> (task channel, message)."""
    from django.conf import settings

    from notifications.backends.base import Attachment, OutgoingMessage
    from notifications.backends.kannel import KannelSmsBackend
    from notifications.backends.smtp import SmtpEmailBackend
    from notifications.fax import fax_pdf_render
    from notifications.models import Notification

    rows = {row.channel: row for row in Notification.objects.order_by("pk")[:3]}
    options = settings.PRONTO_NOTIFICATION_BACKENDS

    def outgoing(row, **extra) -> OutgoingMessage:
        return OutgoingMessage(
            notification_id=row.pk, idempotency_key=row.idempotency_key, channel=row.channel,
            recipient=row.recipient, subject=row.subject, body=row.body, **extra,
        )  # fmt: skip

    sms = KannelSmsBackend(**options["sms"]["OPTIONS"])
    status_url = f"{settings.PRONTO_PUBLIC_URL}/bare-dlr/"
    sms_url = f"{sms.url}?{urlencode(sms.params(outgoing(rows['sms'], status_url=status_url)))}"
    smtp = SmtpEmailBackend(**options["email"]["OPTIONS"])
    email = smtp.build_email(outgoing(rows["email"])).as_bytes(policy=SMTP_POLICY).decode("latin-1")
    pdf = fax_pdf_render(title=rows["fax"].subject, lines=rows["fax"].body.splitlines())
    messages = {
        "sms": ("sms", {"url": sms_url}),
        "email": ("email", {"host": gateways.smtp.host, "port": gateways.smtp.port, "from": smtp.from_address,
                            "to": EMAIL, "bytes": email}),
    }  # fmt: skip
    if gateways.hylafax:
        messages["fax"] = (
            "fax_hylafax",
            {
                "host": gateways.hylafax.host, "port": gateways.hylafax.port, "user": gateways.hylafax.user,
                "password": gateways.hylafax.password, "number": FAX_NUMBER, "pdf": pdf.decode("latin-1"),
            },
        )  # fmt: skip
    else:
        fax_address = FAX_NUMBER.lstrip("+") + "@fax.example.net"
        fax_message = dataclasses.replace(
            outgoing(rows["fax"], attachments=(Attachment("fax.pdf", "application/pdf", pdf),)),
            recipient=fax_address,
        )
        fax_email = smtp.build_email(fax_message)
        messages["fax"] = (
            "fax_email",
            {"host": gateways.smtp.host, "port": gateways.smtp.port, "from": smtp.from_address,
             "to": fax_address, "bytes": fax_email.as_bytes(policy=SMTP_POLICY).decode("latin-1")},
        )  # fmt: skip
    return messages


# ----------------------------------------------------------------------------------------------
# Rounds


def round_real(client, intervention_id: int, technician_id: int) -> dict[str, float]:
    from notifications.models import Notification, NotificationAttempt

    t0 = time.time()
    response = client.post(
        f"/api/interventions/{intervention_id}/assign/", {"technician": technician_id}, format="json"
    )
    answered = time.time()
    if response.status_code != 200:
        raise BenchError(f"assign answered {response.status_code}: {response.content[:300]!r}")
    deadline = time.monotonic() + ROUND_TIMEOUT_S
    rows = Notification.objects.filter(intervention_id=intervention_id, sent_at__isnull=False)
    while True:
        sent = dict(rows.values_list("channel", "sent_at"))
        if len(sent) == len(CHANNELS):
            result = {channel: sent[channel].timestamp() - t0 for channel in CHANNELS}
            started = NotificationAttempt.objects.filter(notification__intervention_id=intervention_id)
            for channel, at in started.values_list("notification__channel", "started_at"):
                result[f"{channel} claimed"] = at.timestamp() - t0
            result["request"] = answered - t0
            return result
        if time.monotonic() > deadline:
            states = list(Notification.objects.filter(intervention_id=intervention_id).values_list(
                "channel", "status", "last_error"))  # fmt: skip
            raise BenchError(f"intervention {intervention_id}: not all sent in {ROUND_TIMEOUT_S} s: {states}")
        time.sleep(0.005)  # the row's sent_at is the measure: polling only ends the round


def round_bare(redis_client, messages: dict, key: str) -> dict[str, float]:
    from benchmarks.bare_dispatch import bare_send

    t0 = time.time()
    for channel in CHANNELS:
        task_channel, message = messages[channel]
        bare_send.delay(key, task_channel, message)
    accepted: dict[str, float] = {}
    deadline = time.monotonic() + ROUND_TIMEOUT_S
    while len(accepted) < len(CHANNELS):
        item = redis_client.blpop([key], timeout=max(1, int(deadline - time.monotonic())))
        if item is None:
            raise BenchError(f"bare round {key}: only {sorted(accepted)} accepted in {ROUND_TIMEOUT_S} s")
        channel, stamp = item[1].decode().split()
        accepted[channel] = float(stamp) - t0
    return accepted


def summarise(rounds: list[dict[str, float]]) -> dict:
    series = {channel: [r[channel] for r in rounds] for channel in CHANNELS}
    series["all three"] = [max(r[channel] for channel in CHANNELS) for r in rounds]
    for stage in ("request", *(f"{channel} claimed" for channel in CHANNELS)):
        if stage in rounds[0]:
            series[stage] = [r[stage] for r in rounds]
    return {
        name: {
            "p50_ms": statistics.median(values) * 1000,
            "p90_ms": percentile(values, 90) * 1000,
            "p99_ms": percentile(values, 99) * 1000,
            "max_ms": max(values) * 1000,
        }
        for name, values in series.items()
    }


# ----------------------------------------------------------------------------------------------
# Checks afterwards


def check_delivery(gateways: Gateways, real_rounds: int, bare_rounds: int) -> dict:
    """Every row sent after one attempt; each gateway got exactly one message per send."""
    from notifications.models import Notification

    rows = Notification.objects.all()
    not_sent = rows.exclude(status="sent").count()
    retried = rows.filter(attempts__gt=1).count()
    time.sleep(1.0)  # the last SMS travels from Kannel to fakesmsc
    sms = sum(1 for m in gateways.kannel.phone.messages() if m.receiver == SMS_NUMBER)
    emails, fax_emails = gateways.smtp.counts()
    if gateways.hylafax:
        faxes = len([p for p in (gateways.hylafax.spool / "sendq").glob("q*")])
    else:
        faxes = fax_emails
    expected = real_rounds + bare_rounds
    counts = {"sms": sms, "email": emails, "fax": faxes}
    return {
        "rows": rows.count(),
        "rows_not_sent": not_sent,
        "rows_retried": retried,
        "received": counts,
        "expected_each": expected,
        "ok": not_sent == 0 and all(count == expected for count in counts.values()),
    }


# ----------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    reexec_in_venv(__file__)
    log(machine_line())
    media_root = Path(tempfile.mkdtemp(prefix="pronto-bench-media-"))
    worker = None
    try:
        with Gateways(args.fax) as gateways:
            env = gateways.settings_env(media_root)
            db_recreate(args.database_url)
            django_setup(args.database_url, **env)
            import redis
            from rest_framework.test import APIClient

            from tests.servers.celery_worker import CeleryWorker

            total = args.warmup + args.assignments
            log(f"seeding {total} open interventions")
            token, technician, interventions = seed(total)
            worker = CeleryWorker(
                broker_url=gateways.redis.url(),
                database_url=args.database_url,
                env={**env, "LOG_LEVEL": "WARNING"},
                concurrency=args.concurrency,
                extra_args=["-I", "benchmarks.bare_dispatch"],
            )
            worker.start()
            log(f"worker ready (prefork x{args.concurrency}); fax path: {gateways.fax_path}")
            client = APIClient(SERVER_NAME="localhost")
            client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
            redis_client = redis.Redis.from_url(gateways.redis.url(), socket_timeout=ROUND_TIMEOUT_S + 5)

            real: list[dict[str, float]] = []
            bare: list[dict[str, float]] = []
            messages: dict | None = None
            for i, intervention_id in enumerate(interventions):
                real_first = i % 2 == 0
                for path in ("real", "bare") if real_first else ("bare", "real"):
                    time.sleep(args.pause)
                    if path == "real":
                        result = round_real(client, intervention_id, technician.pk)
                        if i >= args.warmup:
                            real.append(result)
                        if messages is None:
                            messages = bare_messages(gateways)
                    elif messages is not None:
                        result = round_bare(redis_client, messages, f"bench:bare:{i}")
                        if i >= args.warmup:
                            bare.append(result)
                if (i + 1) % 100 == 0:
                    log(f"{i + 1}/{total} rounds")
            # Round 0 runs the real path first (it renders the bare messages), so both ran every round.
            checks = check_delivery(gateways, real_rounds=total, bare_rounds=total)
            worker.stop()
            worker = None
            return report(args, gateways, real, bare, checks)
    except BenchError:
        if worker is not None:
            log(f"worker log (last lines):\n{worker.log()[-3000:]}")
        raise
    finally:
        if worker is not None:
            worker.stop()
        shutil.rmtree(media_root, ignore_errors=True)
        if not args.keep:
            db_drop_quietly(args.database_url)


def report(args, gateways, real, bare, checks) -> int:
    real_summary, bare_summary = summarise(real), summarise(bare)
    print()
    print(f"Dispatch latency, assign request -> gateway accepted ({len(real)} assignments, 3 channels each)")
    print(
        f"  worker: celery prefork x{args.concurrency}, private Redis broker; fax path: {gateways.fax_path}; "
        f"{args.pause:g} s idle before each round"
    )
    print(f"  PostgreSQL {pg_version()}; Python {platform.python_version()}; {machine_line()}")
    print()
    print(f"  {'':<12}{'bare p50':>10}{'bare p99':>10}{'Pronto p50':>12}{'Pronto p99':>12}{'p50 ratio':>11}")
    for name in (*CHANNELS, "all three"):
        b, r = bare_summary[name], real_summary[name]
        print(
            f"  {name:<12}{b['p50_ms']:>8.1f}ms{b['p99_ms']:>8.1f}ms{r['p50_ms']:>10.1f}ms"
            f"{r['p99_ms']:>10.1f}ms{r['p50_ms'] / b['p50_ms']:>10.2f}x"
        )
    print("  where Pronto's time goes (p50 from t0): " + ", ".join(
        f"{stage} {real_summary[stage]['p50_ms']:.1f} ms"
        for stage in ("request", *(f"{channel} claimed" for channel in CHANNELS))
    ))  # fmt: skip
    worst_p99 = max(real_summary[name]["p99_ms"] for name in (*CHANNELS, "all three")) / 1000
    dispatch_ratio = real_summary["all three"]["p50_ms"] / bare_summary["all three"]["p50_ms"]
    channel_ratios = {name: real_summary[name]["p50_ms"] / bare_summary[name]["p50_ms"] for name in CHANNELS}
    p99_ok, ratio_ok = worst_p99 < TARGET_P99_S, dispatch_ratio < TARGET_P50_RATIO
    p99_word = "holds" if p99_ok else "MISSED"
    print(f"  target p99 < {TARGET_P99_S:g} s (each channel): worst {worst_p99 * 1000:.1f} ms -> {p99_word}")
    print(
        f"  target p50 < {TARGET_P50_RATIO:g}x bare, the dispatch (all three gateways accepted): "
        f"{dispatch_ratio:.2f}x -> {'holds' if ratio_ok else 'MISSED'}"
    )
    print(
        "  per channel, information: "
        + ", ".join(f"{name} {ratio:.2f}x" for name, ratio in channel_ratios.items())
        + f" (the assign request alone, p50 {real_summary['request']['p50_ms']:.1f} ms, is longer than a bare"
        " SMS or email)"
    )
    print(
        f"  delivery check: {checks['rows']} rows, {checks['rows_not_sent']} not sent, "
        f"{checks['rows_retried']} retried; received {checks['received']} "
        f"(expected {checks['expected_each']} each) -> {'ok' if checks['ok'] else 'WRONG'}"
    )
    out = write_results(
        "dispatch_latency",
        {
            "assignments": len(real),
            "concurrency": args.concurrency,
            "fax_path": gateways.fax_path,
            "bare": bare_summary,
            "pronto": real_summary,
            "worst_p99_s": worst_p99,
            "dispatch_p50_ratio": dispatch_ratio,
            "channel_p50_ratios": channel_ratios,
            "targets_hold": p99_ok and ratio_ok,
            "checks": checks,
            "machine": machine_line(),
        },
    )
    print(f"  results: {out.relative_to(Path(__file__).resolve().parent.parent)}")
    return verdict(target_holds=p99_ok and ratio_ok, results_right=checks["ok"])


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as exc:
        log(f"error: {exc}")
        sys.exit(2)
