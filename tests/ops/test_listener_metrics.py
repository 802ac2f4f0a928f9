"""The listener's own metrics port: ``manage.py telemetry_listen --metrics-port`` against a real
Mosquitto, good and bad messages published, the counts read back over HTTP from that port."""

import json
import os
import signal
import threading
import time
import urllib.request

import paho.mqtt.client as mqtt
import pytest
from django.core.management import call_command
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from ops.models import ProcessHeartbeat
from telecontrol.choices import Protocol
from telecontrol.models import PlantTelecontrol
from tests.factories import PlantFactory
from tests.servers import free_port

pytestmark = pytest.mark.real_component


def counts(port: int) -> dict[str, float]:
    """received, applied and rejected per reason, as the listener's port serves them."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as response:
        text = response.read().decode()
    found: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "pronto_telemetry_rejected_total":
                found[f"rejected:{sample.labels['reason']}"] = sample.value
            elif sample.name in ("pronto_telemetry_received_total", "pronto_telemetry_applied_total"):
                found[sample.name.split("_")[2]] = sample.value
    return found


def telemetry(seq: int) -> bytes:
    return json.dumps({"ts": timezone.now().isoformat(), "seq": seq, "active": True}).encode()


def delta(now: dict, before: dict, key: str) -> float:
    return now.get(key, 0.0) - before.get(key, 0.0)


def test_the_listener_serves_its_counts_on_its_metrics_port(mosquitto_broker, customer):
    for code in ("MQ-1", "MQ-2"):
        plant = PlantFactory(customer=customer, code=code)
        PlantTelecontrol.objects.create(plant=plant, protocol=Protocol.MQTT)
    port = free_port()
    seen: dict = {}
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def drive() -> None:
        """Publish from another thread while the command runs in this one; stop it with SIGTERM,
        as an operator would, once the port shows the bad messages counted (or after 30 s)."""
        publisher = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="ops-test-pub")
        deadline = time.monotonic() + 30
        try:
            while time.monotonic() < deadline:
                try:
                    seen["before"] = counts(port)
                    break
                except OSError:
                    time.sleep(0.05)
            publisher.connect(mosquitto_broker.host, mosquitto_broker.port)
            publisher.loop_start()
            # Until the listener has subscribed, what is published is lost: send until one applies.
            seq = 0
            while time.monotonic() < deadline and delta(counts(port), seen["before"], "applied") < 1:
                seq += 1
                publisher.publish("plants/MQ-1/telemetry", telemetry(seq), qos=1).wait_for_publish(5)
                time.sleep(0.3)
            seen["subscribed"] = counts(port)
            publisher.publish("plants/MQ-2/telemetry", telemetry(1), qos=1).wait_for_publish(5)
            publisher.publish("plants/MQ-1/telemetry", b"{garbled", qos=1).wait_for_publish(5)
            publisher.publish("plants/NO-SUCH/telemetry", telemetry(1), qos=1).wait_for_publish(5)
            while time.monotonic() < deadline:
                now, was = counts(port), seen["subscribed"]
                if delta(now, was, "received") >= 3 and delta(now, was, "rejected:unknown_plant") >= 1:
                    seen["after"] = now
                    break
                time.sleep(0.1)
        finally:
            publisher.loop_stop()
            os.kill(os.getpid(), signal.SIGTERM)

    driver = threading.Thread(target=drive, daemon=True)
    driver.start()
    try:
        call_command(
            "telemetry_listen", host=mosquitto_broker.host, port=mosquitto_broker.port,
            client_id="ops-metrics-test", metrics_port=port,
        )  # fmt: skip
    finally:
        driver.join(10)
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    assert "after" in seen, f"the counts never showed the messages: {seen}"
    before, after = seen["subscribed"], seen["after"]
    assert delta(after, before, "received") == 3
    assert delta(after, before, "applied") == 1
    assert delta(after, before, "rejected:malformed") == 1
    assert delta(after, before, "rejected:unknown_plant") == 1
    # Everything received since the start is applied or rejected.
    start, rejected = seen["before"], [key for key in after if key.startswith("rejected:")]
    assert delta(after, start, "received") == delta(after, start, "applied") + sum(
        delta(after, start, key) for key in rejected
    )
    assert ProcessHeartbeat.objects.filter(kind="telemetry_listen").exists()
