"""The MQTT telemetry listener against a real Mosquitto: state per plant, alarms, counted
rejections, a broker restart mid-stream, and messages kept by the persistent session."""

import json
import time

import paho.mqtt.client as mqtt
import pytest
from django.core.management import call_command
from django.utils import timezone

from dispatch.models import Intervention
from telecontrol.choices import AlarmKind, Protocol, RejectionReason
from telecontrol.listener import TelemetryListener
from telecontrol.models import PlantAlarm, PlantState, PlantTelecontrol, TelemetryRejection
from tests.factories import PlantFactory

pytestmark = pytest.mark.real_component


class Publisher:
    def __init__(self, broker):
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id=f"test-pub-{time.monotonic_ns()}"
        )
        self.client.connect(broker.host, broker.port)
        self.client.loop_start()

    def send(self, topic, payload, qos=1):
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.client.publish(topic, body, qos=qos).wait_for_publish(5)

    def close(self):
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def publisher(mosquitto_broker):
    publisher = Publisher(mosquitto_broker)
    yield publisher
    publisher.close()


@pytest.fixture
def mqtt_plants(customer):
    plants = {}
    for code in ("MQ-1", "MQ-2"):
        plants[code] = PlantFactory(customer=customer, code=code)
        PlantTelecontrol.objects.create(plant=plants[code], protocol=Protocol.MQTT)
    return plants


def start_listener(broker, client_id="pronto-test"):
    listener = TelemetryListener(host=broker.host, port=broker.port, client_id=client_id)
    listener.subscriber.start()
    assert listener.subscriber.wait_connected(5)
    time.sleep(0.1)  # the SUBACK
    return listener


def flush_until(listener, received, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if listener.received >= received:
            listener.flush()
            return
        time.sleep(0.02)
    pytest.fail(f"received {listener.received} of {received} messages")


def telemetry(seq, **flags):
    return {
        "ts": timezone.now().isoformat(),
        "seq": seq,
        "active": flags.get("active", True),
        "anomaly": flags.get("anomaly", False),
        "out_of_service": flags.get("out_of_service", False),
        "measurements": {"flow": {"value": seq, "unit": "m³/h"}},
    }


def test_latest_state_per_plant_and_an_alarm_that_opens_an_intervention(
    mosquitto_broker, publisher, mqtt_plants
):
    listener = start_listener(mosquitto_broker)
    try:
        for seq in range(1, 21):
            publisher.send("plants/MQ-1/telemetry", telemetry(seq))
        publisher.send("plants/MQ-2/telemetry", telemetry(1, anomaly=True))
        publisher.send("plants/MQ-2/alarm", {"code": "E42", "message": "Gas detector"})
        flush_until(listener, 22)
        assert (listener.applied, listener.rejected) == (22, 0)
        state = PlantState.objects.get(plant=mqtt_plants["MQ-1"])
        assert state.measurements["flow"]["value"] == 20 and state.source == Protocol.MQTT
        alarms = PlantAlarm.objects.filter(plant=mqtt_plants["MQ-2"]).order_by("raised_at")
        assert sorted(a.kind for a in alarms) == [AlarmKind.ANOMALY, AlarmKind.DEVICE]
        assert Intervention.objects.filter(plant=mqtt_plants["MQ-2"]).count() == 1
    finally:
        listener.subscriber.stop()


def test_bad_messages_are_counted_and_never_stop_the_listener(
    mosquitto_broker, publisher, mqtt_plants, settings
):
    settings.PRONTO_TELEMETRY_MAX_PAYLOAD_BYTES = 1024
    listener = start_listener(mosquitto_broker)
    try:
        publisher.send("plants/MQ-1/telemetry", b"{garbled")
        publisher.send("plants/MQ-1/telemetry", b"{" + b" " * 5000 + b"}")
        publisher.send("plants/MQ-1/telemetry", {"active": "maybe"})
        publisher.send("plants/NO-SUCH-PLANT/telemetry", telemetry(1))
        publisher.send("plants/MQ-1/alarm", {"state": "raised"})
        publisher.send("plants/MQ-1/telemetry", telemetry(7))
        flush_until(listener, 6)
        assert (listener.received, listener.applied, listener.rejected) == (6, 1, 5)
        counts = dict(TelemetryRejection.objects.values_list("reason", "count"))
        assert counts == {
            RejectionReason.MALFORMED: 1,
            RejectionReason.OVERSIZED: 1,
            RejectionReason.INVALID: 2,
            RejectionReason.UNKNOWN_PLANT: 1,
        }
        assert "NO-SUCH-PLANT" in TelemetryRejection.objects.get(reason="unknown_plant").last_detail
        assert PlantState.objects.get(plant=mqtt_plants["MQ-1"]).measurements["flow"]["value"] == 7
    finally:
        listener.subscriber.stop()


def test_broker_restart_mid_stream(mosquitto_broker, mqtt_plants):
    listener = start_listener(mosquitto_broker)
    try:
        publisher = Publisher(mosquitto_broker)
        publisher.send("plants/MQ-1/telemetry", telemetry(1))
        flush_until(listener, 1)
        publisher.client.loop_stop()
        mosquitto_broker.restart()
        deadline = time.monotonic() + 15
        while listener.subscriber.connects < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert listener.subscriber.connects >= 2, "the listener did not reconnect"
        time.sleep(0.2)
        publisher = Publisher(mosquitto_broker)
        publisher.send("plants/MQ-1/telemetry", telemetry(2))
        flush_until(listener, 2)
        assert PlantState.objects.get(plant=mqtt_plants["MQ-1"]).measurements["flow"]["value"] == 2
        publisher.close()
    finally:
        listener.subscriber.stop()


def test_messages_published_while_the_listener_is_away_are_delivered(
    mosquitto_broker, publisher, mqtt_plants
):
    first = start_listener(mosquitto_broker, client_id="pronto-persistent")
    first.subscriber.stop()
    for seq in range(1, 6):
        publisher.send("plants/MQ-1/telemetry", telemetry(seq))
    second = start_listener(mosquitto_broker, client_id="pronto-persistent")
    try:
        flush_until(second, 5)
        assert second.applied == 5
        assert PlantState.objects.get(plant=mqtt_plants["MQ-1"]).measurements["flow"]["value"] == 5
    finally:
        second.subscriber.stop()


def test_telemetry_listen_command_runs_and_stops(mosquitto_broker, publisher, mqtt_plants, settings):
    import os
    import signal
    import threading

    settings.PRONTO_TELEMETRY_FLUSH_SECONDS = 0.05
    threading.Timer(1.5, lambda: os.kill(os.getpid(), signal.SIGTERM)).start()
    threading.Timer(0.7, lambda: publisher.send("plants/MQ-2/telemetry", telemetry(3))).start()
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        from io import StringIO

        out = StringIO()
        call_command(
            "telemetry_listen",
            "--host",
            mosquitto_broker.host,
            "--port",
            str(mosquitto_broker.port),
            stdout=out,
        )
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    assert "1 received, 1 applied, 0 rejected" in out.getvalue()
    assert PlantState.objects.get(plant=mqtt_plants["MQ-2"]).measurements["flow"]["value"] == 3
