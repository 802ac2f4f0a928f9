"""What the poller and the notification worker count, and the poller's lag in ``/readyz``."""

import threading
from datetime import timedelta

from django.utils import timezone
from prometheus_client import REGISTRY

from notifications.models import Notification
from notifications.services.delivery import notification_deliver
from ops.models import ProcessHeartbeat
from ops.selectors import poller_check, poller_lag_seconds
from telecontrol.backends.base import Reading
from telecontrol.choices import CheckOutcome, Protocol
from telecontrol.models import PlantState, PlantTelecontrol
from telecontrol.poller import FleetPoller
from tests.factories import PlantFactory
from tests.telecontrol.conftest import fake_modbus  # noqa: F401  (fixture)


def value(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_the_poller_loop_counts_its_sweeps_and_failed_plants_and_beats(db, customer, fake_modbus):  # noqa: F811
    for code in ("MB-1", "MB-2"):
        plant = PlantFactory(customer=customer, code=code)
        PlantTelecontrol.objects.create(plant=plant, protocol=Protocol.MODBUS, host="127.0.0.1", port=15999)
    fake_modbus.reading = Reading(CheckOutcome.TIMEOUT, error="no answer")
    sweeps, polled = value("pronto_poll_sweep_seconds_count"), value("pronto_poll_plants_polled_total")
    failed = value("pronto_poll_plants_failed_total")
    stop = threading.Event()
    threading.Timer(1.5, stop.set).start()
    FleetPoller(concurrency=2).run(stop, tick=0.2)
    assert value("pronto_poll_sweep_seconds_count") >= sweeps + 1
    assert value("pronto_poll_plants_polled_total") - polled >= 2
    # Every read timed out: each plant read is a failed one.
    read = value("pronto_poll_plants_polled_total") - polled
    assert value("pronto_poll_plants_failed_total") - failed == read
    assert ProcessHeartbeat.objects.filter(kind="telemetry_poll").count() == 1


def test_poller_lag_from_a_stale_plant_state(db, customer, settings):
    settings.PRONTO_READY_POLLER_MAX_LAG_SECONDS = 300
    plant = PlantFactory(customer=customer, code="MB-9")
    PlantTelecontrol.objects.create(plant=plant, protocol=Protocol.MODBUS, host="127.0.0.1", port=15999)
    now = timezone.now()
    assert poller_lag_seconds(now=now) is None  # Modbus plants, and no poller ever beat
    ProcessHeartbeat.objects.create(kind="telemetry_poll", instance="h:1", seen_at=now)
    PlantState.objects.create(
        plant=plant, source=Protocol.MODBUS, outcome=CheckOutcome.OK, watched_since=now - timedelta(hours=2),
        last_attempt_at=now - timedelta(hours=1),
    )  # fmt: skip
    lag = poller_lag_seconds(now=now)
    assert lag is not None and 3000 < lag < 3600  # an hour late, less the longest poll interval
    check = poller_check(now=now)
    assert check.ok is False and check.threshold == 300


def test_the_time_from_assignment_to_gateway_acceptance_is_observed(db, fake_gateway):
    now = timezone.now()
    row = Notification.objects.create(
        reason="assigned", channel="sms", recipient="+393331234567", body="Intervention 1",
        idempotency_key="accept-1", next_attempt_at=now, created_at=now - timedelta(seconds=42),
    )  # fmt: skip
    labels = {"channel": "sms", "reason": "assigned"}
    count = value("pronto_notification_accepted_seconds_count", **labels)
    total = value("pronto_notification_accepted_seconds_sum", **labels)
    assert notification_deliver(notification_id=row.pk) in ("sent", "delivered")
    assert value("pronto_notification_accepted_seconds_count", **labels) == count + 1
    assert 42 <= value("pronto_notification_accepted_seconds_sum", **labels) - total < 60
