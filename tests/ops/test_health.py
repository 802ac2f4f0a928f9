"""``/healthz`` and ``/readyz``: alive without the database, ready when every check passes, and a
503 that names the failing check with its value and threshold."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications.models import Notification
from ops.models import ProcessHeartbeat
from ops.services import process_heartbeat_record
from tests.servers.redis import RedisServer

CHECKS = [
    "database", "broker", "cache", "mqtt_listener", "poller_lag", "outbox_backlog", "outbox_oldest_pending",
]  # fmt: skip


@pytest.fixture
def listener_alive(db):
    process_heartbeat_record(kind="telemetry_listen", instance="test-listener", force=True)


def readyz():
    response = Client().get("/readyz")
    body = response.json()
    return response.status_code, body, {check["name"]: check for check in body["checks"]}


def outbox_row(*, age: timedelta, status: str = "pending", key: str = "k1") -> Notification:
    now = timezone.now()
    return Notification.objects.create(
        reason="assigned", channel="sms", recipient="+393331234567", body="Intervention 1",
        idempotency_key=key, status=status, next_attempt_at=now, created_at=now - age,
    )  # fmt: skip


def test_healthz_answers_without_touching_the_database(db):
    with CaptureQueriesContext(connection) as queries:
        response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert len(queries) == 0


def test_readyz_is_200_when_every_check_passes(listener_alive):
    status, body, checks = readyz()
    assert status == 200, body
    assert body["status"] == "ok"
    assert list(checks) == CHECKS
    assert all(check["ok"] for check in body["checks"])
    assert checks["broker"]["skipped"] is True  # no CELERY_BROKER_URL: tasks run in-process
    assert checks["mqtt_listener"]["value"] < checks["mqtt_listener"]["threshold"]
    assert checks["outbox_backlog"]["value"] == 0


def test_an_outbox_row_pending_too_long_makes_it_503(listener_alive, settings):
    settings.PRONTO_READY_OUTBOX_MAX_AGE_SECONDS = 600
    outbox_row(age=timedelta(minutes=30))
    outbox_row(age=timedelta(hours=5), status="delivered", key="k2")  # history, not backlog
    status, body, checks = readyz()
    assert status == 503
    assert body["status"] == "fail"
    failing = checks["outbox_oldest_pending"]
    assert failing["ok"] is False and failing["threshold"] == 600 and 1790 <= failing["value"] <= 1900
    assert checks["outbox_backlog"] == {**checks["outbox_backlog"], "ok": True, "value": 1.0}
    assert [name for name, check in checks.items() if not check["ok"]] == ["outbox_oldest_pending"]


def test_an_outbox_backlog_over_its_threshold_makes_it_503(listener_alive, settings):
    settings.PRONTO_READY_OUTBOX_MAX_BACKLOG = 1
    outbox_row(age=timedelta(seconds=1), key="a")
    outbox_row(age=timedelta(seconds=1), key="b", status="sending")
    status, _body, checks = readyz()
    assert status == 503
    assert checks["outbox_backlog"]["ok"] is False and checks["outbox_backlog"]["value"] == 2


def test_a_stale_listener_heartbeat_makes_it_503(db, settings):
    settings.PRONTO_READY_LISTENER_MAX_AGE_SECONDS = 60
    ProcessHeartbeat.objects.create(
        kind="telemetry_listen", instance="host:1", seen_at=timezone.now() - timedelta(minutes=5)
    )
    status, _body, checks = readyz()
    assert status == 503
    listener = checks["mqtt_listener"]
    assert listener["ok"] is False and listener["threshold"] == 60 and listener["value"] >= 300


def test_no_listener_heartbeat_at_all_is_a_failure_unless_the_check_is_off(db, settings):
    status, _body, checks = readyz()
    assert status == 503 and checks["mqtt_listener"]["detail"] == "no heartbeat recorded"
    settings.PRONTO_READY_LISTENER_MAX_AGE_SECONDS = 0
    status, _body, checks = readyz()
    assert status == 200 and checks["mqtt_listener"]["skipped"] is True


def test_a_broker_on_a_closed_port_makes_it_503(listener_alive, settings, refused_address):
    host, port = refused_address
    settings.CELERY_BROKER_URL = f"redis://{host}:{port}/0"
    settings.PRONTO_READY_BROKER_TIMEOUT_SECONDS = 1.0
    status, body, checks = readyz()
    assert status == 503
    broker = checks["broker"]
    assert broker["ok"] is False and broker["value"] is None and broker["detail"].startswith("error: ")
    assert str(port) not in str(body)  # errors by type: no addresses in an unauthenticated answer


@pytest.mark.real_component
def test_a_running_redis_broker_passes(listener_alive, settings):
    server = RedisServer.create_or_skip()
    try:
        settings.CELERY_BROKER_URL = server.url()
        status, body, checks = readyz()
    finally:
        server.close()
    assert status == 200, body
    assert checks["broker"]["ok"] is True and checks["broker"]["skipped"] is False


def test_the_heartbeat_is_written_at_most_once_per_period(db, settings):
    settings.PRONTO_HEARTBEAT_EVERY_SECONDS = 3600
    assert process_heartbeat_record(kind="telemetry_poll", instance="p:1") is True
    assert process_heartbeat_record(kind="telemetry_poll", instance="p:1") is False
    assert process_heartbeat_record(kind="telemetry_poll", instance="p:1", force=True) is True
    assert ProcessHeartbeat.objects.filter(kind="telemetry_poll").count() == 1
