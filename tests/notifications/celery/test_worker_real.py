"""The whole delivery path with nothing faked: the assignment commits in this process, its tasks
go through a real Redis to a real ``celery worker`` process (the project's own settings, pointed
by environment at the test database), which hands the messages to a real Kannel (bearerbox,
smsbox, fakesmsc) and a real SMTP server (email, and fax through the email-to-fax gateway); Kannel's
delivery reports come back to this process's live server.

PostgreSQL only: the worker is another process and must see the test's committed rows.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from django.db import connection

from dispatch import services as dispatch_services
from dispatch.models import Event
from notifications.models import ContactPoint, Notification, NotificationAttempt
from tests.dispatch.helpers import call_logged
from tests.servers.celery_worker import CeleryWorker, database_url_of
from tests.servers.kannel import KannelGateway
from tests.servers.redis import RedisServer
from tests.servers.smtp import SmtpSink

pytestmark = [
    pytest.mark.real_component,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

SMS_NUMBER = "+393331234567"
EMAIL = "tech@example.net"
FAX_NUMBER = "+390298765432"
FAX_ADDRESS = "390298765432@fax.example.net"


def wait_until(condition: Callable[[], object], timeout: float, what: str | Callable[[], str]) -> object:
    """``condition()`` polled until true; ``what`` (or what it returns, called only on failure, so
    that the rows and the log it shows are those at the deadline) says what did not happen."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout} s: {what() if callable(what) else what}")
        time.sleep(0.05)


@pytest.fixture(scope="module")
def redis_broker() -> Iterator[RedisServer]:
    server = RedisServer.create_or_skip()
    yield server
    server.close()


@pytest.fixture(scope="module")
def kannel_gateway() -> Iterator[KannelGateway]:
    gateway = KannelGateway.create_or_skip()
    yield gateway
    gateway.close()


@pytest.fixture
def kannel(kannel_gateway: KannelGateway) -> KannelGateway:
    kannel_gateway.start()
    return kannel_gateway


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    server = SmtpSink().start()
    yield server
    server.stop()


def _producer_reset(app) -> None:
    """Forget connections (and kombu's pools, kept per URL) made with the previous broker URL."""
    from kombu import pools

    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker(redis_broker: RedisServer) -> Iterator[RedisServer]:
    """This process enqueues into the private Redis (not in-process, as without a broker)."""
    from config.celery import app

    saved = {"broker_url": app.conf.broker_url, "task_always_eager": app.conf.task_always_eager}
    _producer_reset(app)
    app.conf.update(broker_url=redis_broker.url(), task_always_eager=False)
    yield redis_broker
    _producer_reset(app)
    app.conf.update(saved)


@pytest.fixture
def worker(broker, live_server, tmp_path) -> Iterator[Callable[..., CeleryWorker]]:
    """``worker(sink, kannel, **env)``: a started worker process sending through them."""
    started: list[CeleryWorker] = []

    def start(sink: SmtpSink, kannel: KannelGateway, *, concurrency: int = 1, **env: str) -> CeleryWorker:
        environment = {
            "PRONTO_SMS_BACKEND": "notifications.backends.kannel.KannelSmsBackend",
            "PRONTO_KANNEL_URL": kannel.sendsms_url,
            "PRONTO_KANNEL_USERNAME": kannel.username,
            "PRONTO_KANNEL_PASSWORD": kannel.password,
            "PRONTO_SMS_TIMEOUT_SECONDS": "3",
            "PRONTO_EMAIL_BACKEND": "notifications.backends.smtp.SmtpEmailBackend",
            "PRONTO_SMTP_HOST": sink.host,
            "PRONTO_SMTP_PORT": str(sink.port),
            "PRONTO_SMTP_TIMEOUT_SECONDS": "3",
            "PRONTO_FAX_BACKEND": "notifications.backends.fax_email.EmailFaxBackend",
            "PRONTO_FAX_EMAIL_ADDRESS": "{number}@fax.example.net",
            "PRONTO_FAX_TIMEOUT_SECONDS": "3",
            "PRONTO_PUBLIC_URL": live_server.url,
            "MEDIA_ROOT": str(tmp_path / "media"),
            "PRONTO_NOTIFICATION_RETRY_BASE_SECONDS": "0.2",
            "PRONTO_NOTIFICATION_RETRY_MAX_SECONDS": "1",
            "PRONTO_NOTIFICATION_MAX_ATTEMPTS": "100",
            **env,
        }
        process = CeleryWorker(
            broker_url=broker.url(),
            database_url=database_url_of(connection.settings_dict),
            env=environment,
            concurrency=concurrency,
        )
        try:
            process.start()
        except RuntimeError as exc:
            pytest.fail(f"celery worker did not start: {exc}")
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


@pytest.fixture
def technician(users):
    technician = users["technician"]
    ContactPoint.objects.create(user=technician, channel="sms", address=SMS_NUMBER, position=0)
    ContactPoint.objects.create(user=technician, channel="email", address=EMAIL, position=1)
    ContactPoint.objects.create(user=technician, channel="fax", address=FAX_NUMBER, position=2)
    return technician


def _assign(users, plant, technician, summary="Gas smell in the stairwell"):
    call = call_logged(users, plant)
    intervention = dispatch_services.intervention_open(actor=users["operator"], call=call, summary=summary)
    # Committed here (no surrounding transaction): on_commit hands the tasks to Redis at once.
    return dispatch_services.intervention_assign(
        actor=users["operator"], intervention=intervention, technician=technician
    )


def _statuses(intervention) -> dict[str, str]:
    return dict(Notification.objects.filter(intervention=intervention).values_list("channel", "status"))


def _sms_to(kannel: KannelGateway, number: str) -> list:
    return [message for message in kannel.phone.messages() if message.receiver == number]


def test_an_assignment_reaches_kannel_and_smtp_through_a_real_worker_and_the_sms_is_delivered(
    users, plant, technician, sink, kannel, worker
):
    process = worker(sink, kannel)
    sms_before = len(_sms_to(kannel, SMS_NUMBER))

    intervention = _assign(users, plant, technician)

    wait_until(
        lambda: _statuses(intervention) == {"sms": "delivered", "email": "sent", "fax": "sent"},
        30,
        lambda: (
            f"every row out and the SMS delivered; rows {_statuses(intervention)}; worker log:\n"
            f"{process.log()[-2000:]}"
        ),
    )
    sink.wait_for(2)
    by_recipient = {tuple(m.rcpt_tos): m.message() for m in sink.messages}
    assert f"#{intervention.pk}" in by_recipient[(EMAIL,)]["Subject"]
    [pdf] = list(by_recipient[(FAX_ADDRESS,)].iter_attachments())
    assert pdf.get_content().startswith(b"%PDF")
    [sms] = _sms_to(kannel, SMS_NUMBER)[sms_before:]
    assert f"#{intervention.pk}" in sms.text("gsm7")
    kinds = list(
        Event.objects.filter(
            subject_type="intervention", subject_id=intervention.pk, kind__startswith="notification."
        ).values_list("kind", flat=True)
    )
    assert kinds.count("notification.sent") == 3 and kinds.count("notification.delivered") == 1


def test_gateways_down_then_back_everything_goes_once(users, plant, technician, sink, kannel, worker):
    worker(sink, kannel)
    sink.stop()
    kannel.stop()
    sms_before = len(_sms_to(kannel, SMS_NUMBER))

    intervention = _assign(users, plant, technician)
    wait_until(
        lambda: (
            all(
                row.attempts >= 2 and row.status == "pending"
                for row in Notification.objects.filter(intervention=intervention)
            )
            and Notification.objects.filter(intervention=intervention).count() == 3
        ),
        30,
        "every row retried while the gateways are down",
    )
    sink.start()
    kannel.start()

    wait_until(
        lambda: _statuses(intervention) == {"sms": "delivered", "email": "sent", "fax": "sent"},
        30,
        lambda: f"every row out once the gateways are back; rows {_statuses(intervention)}",
    )
    time.sleep(1.5)  # a doubled send would arrive within the retry period (at most 1 s here)
    assert sorted(tuple(m.rcpt_tos) for m in sink.messages) == [(FAX_ADDRESS,), (EMAIL,)]
    assert len(_sms_to(kannel, SMS_NUMBER)) == sms_before + 1
    failed_attempts = NotificationAttempt.objects.filter(
        notification__intervention=intervention, outcome="unavailable"
    )
    assert failed_attempts.count() >= 6


def test_a_slow_gateway_never_holds_the_worker(users, plant, technician, sink, kannel, worker):
    """One worker process, an SMTP server that takes 30 s to answer: each email attempt gives up
    after the 1 s timeout, and the SMS behind it goes out meanwhile."""
    sink.slow_seconds = 30.0
    worker(sink, kannel, PRONTO_SMTP_TIMEOUT_SECONDS="1", PRONTO_FAX_TIMEOUT_SECONDS="1")

    intervention = _assign(users, plant, technician)

    wait_until(
        lambda: _statuses(intervention).get("sms") == "delivered",
        30,
        lambda: f"the SMS delivered despite the slow SMTP server; rows {_statuses(intervention)}",
    )
    attempts = wait_until(
        lambda: list(
            NotificationAttempt.objects.filter(
                notification__intervention=intervention, notification__channel="email", outcome="unavailable"
            )
        ),
        30,
        "an email attempt ended",
    )
    for attempt in attempts:
        assert (attempt.finished_at - attempt.started_at).total_seconds() < 3.0
        assert "1 s" in attempt.detail
    assert _statuses(intervention)["email"] in ("pending", "sending")
    assert sink.messages == []


def _other_backends() -> set[tuple[int, object]]:
    """PostgreSQL backends on the test database other than this process's own connection."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, backend_start FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
        return set(cursor.fetchall())


def test_the_worker_keeps_its_database_connection_across_tasks(
    users, plant, technician, sink, kannel, worker
):
    """Celery's Django fix-up would open a new connection for every task (~6 ms each on
    PostgreSQL); with CELERY_DB_REUSE_MAX the worker keeps one, as CONN_MAX_AGE allows."""
    worker(sink, kannel, DB_CONN_MAX_AGE="60")
    first = _assign(users, plant, technician)
    wait_until(lambda: _statuses(first) == {"sms": "delivered", "email": "sent", "fax": "sent"}, 30, "first")
    before = _other_backends()

    second = _assign(users, plant, technician, summary="Second leak")
    wait_until(
        lambda: _statuses(second) == {"sms": "delivered", "email": "sent", "fax": "sent"}, 30, "second"
    )

    # The live server's connection (delivery reports) is this process's own; every other backend
    # is the worker's, and none was started for the second assignment's three tasks.
    assert before and _other_backends() == before
