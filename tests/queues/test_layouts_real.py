"""The worker layouts of docs/queues.md, on both brokers, with real workers: an SMS to a
technician goes out while a long report holds the reports worker.

Nothing is faked. A real broker (a private ``redis-server``, a private RabbitMQ node), real
``celery worker`` processes with the project's settings (``-Q`` as docs/queues.md says), a real
report run (``reports.tasks.report_run_execute`` over a year of calls) and a real assignment whose
SMS goes to the embedded outbox gateway. What makes the report "long" is a lock: the test holds
``ACCESS EXCLUSIVE`` on the service-level profiles' table, which the report reads for every
month and the SMS path never touches, so the report is running, mid-computation, for exactly as
long as the test says; then the lock goes and the report finishes. No timing is asserted.

PostgreSQL only: the workers are other processes and must see the test's committed rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from zoneinfo import ZoneInfo

import psycopg
import pytest
from django.db import connection

from dispatch import services as dispatch_services
from dispatch.choices import ReportGrouping, ReportRunStatus
from dispatch.models import ServiceLevelProfile, ServiceLevelReportRun
from notifications.models import ContactPoint, Notification, OutboxMessage
from reports import services as report_services
from tests.dispatch.helpers import call_logged
from tests.notifications.celery.test_worker_real import wait_until
from tests.reports.test_service_levels import call
from tests.servers.celery_worker import CeleryWorker, database_url_of
from tests.servers.rabbitmq import RabbitMQServer
from tests.servers.redis import RedisServer

pytestmark = [
    pytest.mark.real_component,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

SMS_NUMBER = "+393331234599"
ROME = ZoneInfo("Europe/Rome")
WAIT = 60.0  # seconds for anything to happen; only a failure waits that long


class Broker:
    """A started broker of either kind: its URL and the queue prefix its workers use."""

    def __init__(self, kind: str, server: RedisServer | RabbitMQServer | object) -> None:
        self.kind, self.server = kind, server
        self.url = server.url()
        self.prefix = getattr(server, "queue_prefix", "")

    def queues(self, *names: str) -> str:
        return ",".join(self.prefix + name for name in names)


@pytest.fixture(scope="module", params=["redis", "rabbitmq"])
def broker_server(request) -> Iterator[Broker]:
    server = RedisServer.create_or_skip() if request.param == "redis" else RabbitMQServer.create_or_skip()
    yield Broker(request.param, server)
    server.close()


def _producer_reset(app) -> None:
    """Forget connections (and kombu's pools, kept per URL) made with the previous broker URL,
    and the queues and routes Celery prepared from the settings."""
    from kombu import pools

    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None
    app.amqp._rtable = None
    for cached in ("queues", "router"):
        app.amqp.__dict__.pop(cached, None)


@pytest.fixture
def broker(broker_server: Broker) -> Iterator[Broker]:
    """This process enqueues into the test's broker (not in-process, as without a broker)."""
    from config.celery import app
    from config.queues_settings import queue_layout

    names = ("broker_url", "task_always_eager", *queue_layout())
    saved = {name: app.conf[name] for name in names}
    _producer_reset(app)
    app.conf.update(
        broker_url=broker_server.url, task_always_eager=False, **queue_layout(broker_server.prefix)
    )
    yield broker_server
    _producer_reset(app)
    app.conf.update(saved)


@pytest.fixture
def workers(broker: Broker, tmp_path) -> Iterator[Callable[..., CeleryWorker]]:
    """``workers(name, queues, concurrency)``: a started worker consuming those queues."""
    started: list[CeleryWorker] = []

    def start(name: str, queues: tuple[str, ...], concurrency: int = 1) -> CeleryWorker:
        process = CeleryWorker(
            broker_url=broker.url,
            database_url=database_url_of(connection.settings_dict),
            env={"MEDIA_ROOT": str(tmp_path / "media"), "PRONTO_CELERY_QUEUE_PREFIX": broker.prefix},
            concurrency=concurrency,
            name=f"{name}-{broker.kind}",
            extra_args=["-Q", broker.queues(*queues)],
        )
        try:
            process.start(timeout=60)
        except RuntimeError as exc:
            pytest.fail(f"celery worker {name} did not start: {exc}")
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


class ProfilesLock:
    """``ACCESS EXCLUSIVE`` on the profiles' table from a connection of its own: a report that
    reaches its first month waits there until ``release()``."""

    def __init__(self) -> None:
        settings = connection.settings_dict
        self.connection = psycopg.connect(
            host=settings["HOST"] or "127.0.0.1", port=settings["PORT"] or 5432, user=settings["USER"],
            password=settings["PASSWORD"] or None, dbname=settings["NAME"],
        )  # fmt: skip
        table = ServiceLevelProfile._meta.db_table
        self.connection.execute(f'LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE')

    def waiting(self) -> int:
        """How many other sessions of this database wait for a lock (the report's, here)."""
        row = self.connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        ).fetchone()
        return row[0] if row else 0

    def release(self) -> None:
        if not self.connection.closed:
            self.connection.rollback()
            self.connection.close()


@pytest.fixture
def profiles_lock() -> Iterator[Callable[[], ProfilesLock]]:
    locks: list[ProfilesLock] = []

    def take() -> ProfilesLock:
        locks.append(ProfilesLock())
        return locks[-1]

    yield take
    for lock in locks:
        lock.release()


@pytest.fixture
def year_of_calls(customer, plant):
    """A year of calls for the report to go through, a month at a time."""
    for month in range(1, 13):
        for day, answer_s in ((5, 20), (12, 150), (19, 40)):
            call(plant, dt.datetime(2025, month, day, 9, 0, tzinfo=ROME), answer_s=answer_s)
    return customer


@pytest.fixture
def technician(users):
    technician = users["technician"]
    ContactPoint.objects.create(user=technician, channel="sms", address=SMS_NUMBER, position=0)
    return technician


def report_request(users, customer) -> ServiceLevelReportRun:
    # Committed here (no surrounding transaction): on_commit hands the task to the broker at once.
    return report_services.report_run_request(
        actor=users["supervisor"], customer=customer, date_from=dt.date(2025, 1, 1),
        date_to=dt.date(2025, 12, 31), group_by=ReportGrouping.MONTH,
    )  # fmt: skip


def assign(users, plant, technician):
    call_row = call_logged(users, plant)
    intervention = dispatch_services.intervention_open(
        actor=users["operator"], call=call_row, summary="Gas leak"
    )
    return dispatch_services.intervention_assign(
        actor=users["operator"], intervention=intervention, technician=technician
    )


def sms_sent(intervention) -> bool:
    statuses = set(Notification.objects.filter(intervention=intervention).values_list("status", flat=True))
    stored = OutboxMessage.objects.filter(channel="sms", recipient=SMS_NUMBER).exists()
    return stored and statuses <= {"sent", "delivered"} and bool(statuses)


def run_status(run) -> str:
    return ServiceLevelReportRun.objects.values_list("status", flat=True).get(pk=run.pk)


def logs(*processes: CeleryWorker) -> str:
    return "\n".join(f"--- {p.name}:\n{p.log()[-1500:]}" for p in processes)


def test_an_sms_goes_out_while_a_long_report_holds_the_reports_worker(
    broker, workers, profiles_lock, users, plant, year_of_calls, technician
):
    notifier = workers("notifications", ("notifications",))
    others = workers("others", ("reports", "default", "telemetry"))
    lock = profiles_lock()

    run = report_request(users, year_of_calls)
    wait_until(
        lambda: run_status(run) == ReportRunStatus.RUNNING, WAIT, lambda: f"report running\n{logs(others)}"
    )
    # The report's own connection waits on the lock: it is inside its first month.
    wait_until(lambda: lock.waiting() >= 1, WAIT, lambda: f"report waiting on the lock\n{logs(others)}")

    intervention = assign(users, plant, technician)
    wait_until(lambda: sms_sent(intervention), WAIT, lambda: f"SMS sent\n{logs(notifier, others)}")
    assert run_status(run) == ReportRunStatus.RUNNING
    [message] = OutboxMessage.objects.filter(channel="sms", recipient=SMS_NUMBER)
    assert f"#{intervention.pk}" in message.body

    lock.release()
    wait_until(lambda: run_status(run) == ReportRunStatus.DONE, WAIT, lambda: f"report done\n{logs(others)}")
    run.refresh_from_db()
    assert run.progress == 100 and run.figures
    assert "report_run_execute" in others.log() and "report_run_execute" not in notifier.log()
    assert "notification_send" in notifier.log() and "notification_send" not in others.log()


def test_one_worker_consuming_every_queue_in_priority_order_runs_both(
    broker, workers, profiles_lock, users, plant, year_of_calls, technician
):
    """The small installation's layout. On Redis the order is kept (``queue_order_strategy``
    ``priority``): with the report queued first and the profiles locked, the one process takes the
    SMS first, or it would be stuck in the report and the SMS would never go while the lock is
    held. RabbitMQ has no order between queues: there both must simply be done."""
    ordered = broker.kind == "redis"
    lock = profiles_lock() if ordered else None
    run = report_request(users, year_of_calls)
    intervention = assign(users, plant, technician)

    worker = workers("all", ("notifications", "telemetry", "default", "reports"), concurrency=1)
    wait_until(lambda: sms_sent(intervention), WAIT, lambda: f"SMS sent\n{logs(worker)}")
    if lock is not None:
        assert run_status(run) in (ReportRunStatus.QUEUED, ReportRunStatus.RUNNING)
        lock.release()
    wait_until(lambda: run_status(run) == ReportRunStatus.DONE, WAIT, lambda: f"report done\n{logs(worker)}")
    run.refresh_from_db()
    assert run.progress == 100 and run.figures
