"""A listener batch applied again changes nothing, and two listener processes writing the same
plant at once keep the newer data: what makes shared subscriptions with at-least-once (QoS 1)
delivery safe (docs/telecontrol.md, "Scaling out and securing the listener")."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from dispatch.models import Event
from telecontrol import services
from telecontrol.models import PlantAlarm, PlantState
from telecontrol.payloads import AlarmMessage, TelemetryMessage


def alarm(plant, *, at, code="E42", raised=True):
    return (plant.pk, AlarmMessage(plant_code=plant.code, observed_at=at, code=code, raised=raised))


def telemetry(plant, *, at, flow):
    message = TelemetryMessage(
        plant_code=plant.code,
        observed_at=at,
        active=True,
        anomaly=False,
        out_of_service=False,
        measurements={"flow": {"value": flow, "unit": ""}},
    )
    return {plant.pk: (message, set())}


def raised_events():
    return Event.objects.filter(kind="telecontrol.alarm_raised").count()


def test_a_batch_applied_twice_raises_one_alarm_and_writes_one_event(mqtt_plant):
    at = timezone.now() - timedelta(minutes=1)
    batch = (telemetry(mqtt_plant, at=at, flow=3), [alarm(mqtt_plant, at=at)])
    services.telemetry_apply(*batch, now=timezone.now())
    report = services.telemetry_apply(*batch, now=timezone.now())
    assert report.raised == []
    assert PlantAlarm.objects.filter(plant=mqtt_plant).count() == 1
    assert raised_events() == 1
    assert PlantState.objects.get(plant=mqtt_plant).measurements["flow"]["value"] == 3


def test_a_raising_delivered_again_after_its_clearing_raises_nothing(mqtt_plant):
    at = timezone.now() - timedelta(minutes=2)
    services.telemetry_apply({}, [alarm(mqtt_plant, at=at)], now=timezone.now())
    services.telemetry_apply(
        {}, [alarm(mqtt_plant, at=at + timedelta(seconds=30), raised=False)], now=timezone.now()
    )
    report = services.telemetry_apply({}, [alarm(mqtt_plant, at=at)], now=timezone.now())
    assert report.raised == []
    assert list(PlantAlarm.objects.filter(plant=mqtt_plant, cleared_at__isnull=True)) == []
    assert raised_events() == 1
    # The same code raised again later is a new raising.
    later = alarm(mqtt_plant, at=at + timedelta(minutes=1))
    again = services.telemetry_apply({}, [later], now=timezone.now())
    assert len(again.raised) == 1 and raised_events() == 2


def test_a_clearing_delivered_late_does_not_clear_a_newer_raising(mqtt_plant):
    at = timezone.now() - timedelta(minutes=2)
    services.telemetry_apply({}, [alarm(mqtt_plant, at=at)], now=timezone.now())
    clearing = alarm(mqtt_plant, at=at + timedelta(seconds=10), raised=False)
    services.telemetry_apply({}, [clearing], now=timezone.now())
    services.telemetry_apply({}, [alarm(mqtt_plant, at=at + timedelta(seconds=20))], now=timezone.now())
    report = services.telemetry_apply({}, [clearing], now=timezone.now())
    assert report.cleared == []
    up = PlantAlarm.objects.get(plant=mqtt_plant, cleared_at__isnull=True)
    assert up.raised_at == at + timedelta(seconds=20)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_writers_racing_on_a_plant_without_a_row_keep_the_newer_data(mqtt_plant):
    """Writer 1 (older data) has inserted the plant's first row and not committed yet; writer 2
    (newer data) starts meanwhile and must wait for it, then win. Before the placeholder row,
    writer 2 took the insert branch too and its newer data was dropped on the conflict."""
    base = timezone.now() - timedelta(minutes=5)
    later = base + timedelta(seconds=1)
    older, newer = telemetry(mqtt_plant, at=base, flow=1), telemetry(mqtt_plant, at=later, flow=2)
    first_in, release, errors = threading.Event(), threading.Event(), []

    def writer(batch, *, hold: bool) -> None:
        try:
            with transaction.atomic():
                services.telemetry_apply(batch, [], now=timezone.now())
                if hold:
                    first_in.set()
                    assert release.wait(30)
        except Exception as exc:  # reported to the test below
            errors.append(exc)
        finally:
            connections.close_all()

    def waiting_on_a_lock() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"
            )
            return cursor.fetchone()[0]

    one = threading.Thread(target=writer, args=(older,), kwargs={"hold": True})
    one.start()
    assert first_in.wait(30)
    two = threading.Thread(target=writer, args=(newer,), kwargs={"hold": False})
    two.start()
    deadline = time.monotonic() + 30
    while waiting_on_a_lock() < 1:
        assert time.monotonic() < deadline and two.is_alive(), "writer 2 never waited for writer 1"
        time.sleep(0.02)
    release.set()
    one.join(30)
    two.join(30)
    assert errors == []
    state = PlantState.objects.get(plant=mqtt_plant)
    assert (state.measurements["flow"]["value"], state.observed_at) == (2, later)
