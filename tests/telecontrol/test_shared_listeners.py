"""Two ``manage.py telemetry_listen`` processes share the plants' topics through an MQTT 5
shared subscription on a real Mosquitto; one is killed (SIGKILL) in the middle of a stream of
QoS 1 telemetry and alarm messages and started again under its instance number. Every message
is applied exactly once: each plant ends on its newest telemetry, each alarm is raised once
(one alarm row, one history event), none is lost.

Why it holds: a listener acknowledges a message only after the batch holding it is committed,
so what the killed process had not committed is still in its session at the broker, which
also queues its share of the messages that keep coming; its restart under the same client id
takes the session back. What it had committed but not acknowledged comes again, and applying
it again changes nothing."""

from __future__ import annotations

import json
import os
import socket
import time
from datetime import timedelta

import paho.mqtt.client as mqtt
import pytest
from django.utils import timezone

from dispatch.models import Event
from telecontrol.choices import Protocol
from telecontrol.listener import listener_client_id
from telecontrol.models import PlantAlarm, PlantState, PlantTelecontrol
from tests.factories import PlantFactory
from tests.servers import MosquittoBroker, free_port, mosquitto_binary
from tests.servers.telemetry_listener import ListenerProcess, shared_database, wait_until

pytestmark = [pytest.mark.real_component, pytest.mark.django_db(transaction=True)]

PLANTS = 8
REPORTS = 60  # telemetry messages per plant
ALARM_EVERY = 10  # a device alarm message after every tenth report
GROUP = "pronto-test"


@pytest.fixture
def broker(tmp_path):
    binary = mosquitto_binary()
    if binary is None:
        pytest.skip("mosquitto is not installed: run scripts/ensure_mosquitto.sh")
    # ``log_type subscribe`` shows when each listener has subscribed.
    broker = MosquittoBroker(
        binary=binary, workdir=tmp_path / "mosquitto", port=free_port(), extra_conf=["log_type subscribe"]
    )
    broker.start()
    yield broker
    broker.stop()


@pytest.mark.django_db(transaction=False)
def test_client_ids_are_stable_per_instance_and_unique_per_process(settings):
    settings.PRONTO_MQTT_CLIENT_ID, settings.PRONTO_MQTT_SHARE_GROUP = "pronto-telemetry", ""
    assert listener_client_id() == "pronto-telemetry"
    assert listener_client_id(instance="2", share_group="pronto") == "pronto-telemetry-2"
    assert listener_client_id(client_id="mine", instance="2") == "mine"
    unstable = listener_client_id(share_group="pronto")
    assert unstable == f"pronto-telemetry-{socket.gethostname()}-{os.getpid()}"
    settings.PRONTO_MQTT_SHARE_GROUP = "pronto"
    assert listener_client_id() == unstable


def subscribed(broker: MosquittoBroker, client_id: str, starts: int) -> bool:
    """Whether ``client_id`` has subscribed to the alarm filter at least ``starts`` times."""
    line = f"{client_id} 1 $share/{GROUP}/plants/+/alarm"
    return broker.log().count(line) >= starts


def test_two_listeners_share_the_topics_and_a_killed_one_loses_nothing(broker, customer):
    plants = [PlantFactory(customer=customer, code=f"SH-{n}") for n in range(PLANTS)]
    for plant in plants:
        PlantTelecontrol.objects.create(plant=plant, protocol=Protocol.MQTT)
    start = timezone.now() - timedelta(hours=1)

    publisher = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="pronto-test-publisher")
    publisher.connect(broker.host, broker.port)
    publisher.loop_start()

    def publish(topic: str, body: dict) -> None:
        publisher.publish(topic, json.dumps(body).encode(), qos=1).wait_for_publish(5)

    with shared_database() as database:
        env = {
            "DATABASE_URL": database.url,
            "PRONTO_TELEMETRY_FLUSH_SECONDS": "0.05",
            "PRONTO_COMMS_SWEEP_SECONDS": "3600",
            "PRONTO_MQTT_CLIENT_ID": "pronto-shared",
        }
        args = ["--host", broker.host, "--port", str(broker.port), "--share-group", GROUP]
        listeners = [ListenerProcess([*args, "--instance", str(n)], env=env) for n in (1, 2)]
        try:
            for listener in listeners:
                listener.start()
            for n, listener in enumerate(listeners, start=1):
                wait_until(
                    lambda n=n: subscribed(broker, f"pronto-shared-{n}", 1),
                    60,
                    lambda listener=listener: f"listener not subscribed:\n{listener.log()}\n{broker.log()}",
                )

            expected_alarms = 0
            for seq in range(1, REPORTS + 1):
                for plant in plants:
                    at = start + timedelta(seconds=seq)
                    report = {
                        "ts": at.isoformat(),
                        "active": True,
                        "anomaly": False,
                        "measurements": {"seq": seq},
                    }
                    publish(f"plants/{plant.code}/telemetry", report)
                    if seq % ALARM_EVERY == 0:
                        publish(
                            f"plants/{plant.code}/alarm",
                            {"ts": at.isoformat(), "code": f"E{seq}", "message": f"report {seq}"},
                        )
                        expected_alarms += 1
                if seq == REPORTS // 2:
                    listeners[0].kill()  # mid-stream, with messages received and not acknowledged
                    killed_at = seq
            assert killed_at == REPORTS // 2
            # Instance 1 comes back under its client id and takes back its session's messages.
            listeners[0].start()

            def done() -> bool:
                database.refresh()
                newest = PlantState.objects.filter(plant__in=plants, measurements__seq__value=REPORTS).count()
                return newest == PLANTS and PlantAlarm.objects.count() >= expected_alarms

            wait_until(
                done,
                90,
                lambda: (
                    f"not all applied: {PlantAlarm.objects.count()} of {expected_alarms} alarms, states "
                    f"{list(PlantState.objects.values_list('plant_id', 'measurements'))}\n"
                    f"{listeners[0].log()}\n{listeners[1].log()}"
                ),
            )
            # A little longer for any late duplicate to land before counting.
            time.sleep(1)
        finally:
            for listener in listeners:
                listener.stop()
            publisher.disconnect()
            publisher.loop_stop()

    for plant in plants:
        state = PlantState.objects.get(plant=plant)
        assert state.measurements["seq"]["value"] == REPORTS
        assert state.observed_at == start + timedelta(seconds=REPORTS)
        keys = sorted(PlantAlarm.objects.filter(plant=plant).values_list("key", flat=True))
        assert keys == sorted(f"device:E{seq}" for seq in range(ALARM_EVERY, REPORTS + 1, ALARM_EVERY))
    assert PlantAlarm.objects.count() == expected_alarms
    assert Event.objects.filter(kind="telecontrol.alarm_raised").count() == expected_alarms
    # Both shared the work, and the restarted instance got messages its session had kept.
    for listener in listeners:
        last_run = (listener.workdir / f"listener-{listener.starts}.log").read_text()
        stopped = [line for line in last_run.splitlines() if line.startswith("Stopped:")]
        assert stopped and not stopped[0].startswith("Stopped: 0 received"), listener.log()
