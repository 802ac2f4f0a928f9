"""The shipped broker configuration (deploy/mosquitto/pronto.conf, deploy/mosquitto/acl) on a
real Mosquitto with a PKI made by the test: a client without a certificate from the CA is
refused; the listener with its certificate receives; a plant's gateway may publish to its own
plant's topics and not to another's (MQTT 5 answers PUBACK "Not authorized", and the listener
never applies it)."""

from __future__ import annotations

import json
import ssl
import threading
import time

import paho.mqtt.client as mqtt
import pytest
from django.utils import timezone

from telecontrol.choices import Protocol
from telecontrol.listener import TelemetryListener
from telecontrol.models import PlantState, PlantTelecontrol
from tests.factories import PlantFactory
from tests.servers import free_port, mosquitto_binary
from tests.servers.mqtt_tls import CertificateAuthority, Pem, TlsMosquittoBroker

pytestmark = pytest.mark.real_component

LISTENER_USER = "pronto-telemetry"
NOT_AUTHORIZED = 0x87


@pytest.fixture
def pki(tmp_path):
    ca = CertificateAuthority(tmp_path / "pki")
    return {
        "ca": ca,
        "server": ca.issue("127.0.0.1", server=True),
        "listener": ca.issue(LISTENER_USER),
        "TLS-A": ca.issue("TLS-A"),
        "TLS-B": ca.issue("TLS-B"),
        # Same common name as plant A's gateway, signed by a CA the broker does not trust.
        "forged": CertificateAuthority(tmp_path / "other-pki", name="Someone else").issue("TLS-A"),
    }


@pytest.fixture
def tls_broker(tmp_path, pki):
    binary = mosquitto_binary()
    if binary is None:
        pytest.skip("mosquitto is not installed: run scripts/ensure_mosquitto.sh")
    broker = TlsMosquittoBroker(binary=binary, workdir=tmp_path / "mosquitto", port=free_port())
    broker.ca, broker.server = pki["ca"], pki["server"]
    broker.start()
    yield broker
    broker.stop()


class Client:
    """A paho MQTT 5 client over TLS; ``connected`` is decided by the broker's CONNACK, or by
    the connection failing (handshake refused, or closed after it)."""

    def __init__(self, broker, ca, pem: Pem | None, client_id: str) -> None:
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
        self.client.tls_set(
            ca_certs=str(ca.pem.cert),
            certfile=str(pem.cert) if pem else None,
            keyfile=str(pem.key) if pem else None,
        )
        self.decided = threading.Event()
        self.accepted = False
        self.acks: dict[int, int] = {}
        self._acked = threading.Condition()
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = lambda *args: self.decided.set()
        self.client.on_connect_fail = lambda *args: self.decided.set()
        self.client.on_publish = self._on_publish
        self.broker = broker

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        self.accepted = not reason_code.is_failure
        self.decided.set()

    def _on_publish(self, client, userdata, mid, reason_code, properties) -> None:
        with self._acked:
            self.acks[mid] = reason_code.value
            self._acked.notify_all()

    def connect(self) -> bool:
        try:
            self.client.connect(self.broker.host, self.broker.port)
        except (ssl.SSLError, OSError):
            return False
        self.client.loop_start()
        assert self.decided.wait(15), "the broker neither accepted nor closed the connection"
        return self.accepted

    def publish(self, topic: str, body: dict) -> int:
        """Publish at QoS 1; the PUBACK's reason code."""
        info = self.client.publish(topic, json.dumps(body).encode(), qos=1)
        with self._acked:
            assert self._acked.wait_for(lambda: info.mid in self.acks, 10), "no PUBACK"
            return self.acks[info.mid]

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def listener_settings(settings, pki):
    settings.PRONTO_MQTT_TLS_CA = str(pki["ca"].pem.cert)
    settings.PRONTO_MQTT_TLS_CERT = str(pki["listener"].cert)
    settings.PRONTO_MQTT_TLS_KEY = str(pki["listener"].key)
    settings.PRONTO_MQTT_CLIENT_ID = LISTENER_USER
    # As deployed at scale: the ACL must let the listener's shared subscriptions through too.
    settings.PRONTO_MQTT_SHARE_GROUP = "pronto"
    return settings


def test_a_client_without_a_certificate_from_the_ca_is_refused(tls_broker, pki):
    for name, pem in (("none", None), ("forged", pki["forged"])):
        client = Client(tls_broker, pki["ca"], pem, client_id=f"intruder-{name}")
        try:
            assert client.connect() is False, f"a client with certificate {name!r} was let in"
        finally:
            client.close()
    # The same broker lets in a gateway whose certificate the CA signed.
    gateway = Client(tls_broker, pki["ca"], pki["TLS-A"], client_id="gateway-TLS-A")
    try:
        assert gateway.connect() is True
    finally:
        gateway.close()


def wait_received(listener: TelemetryListener, count: int) -> None:
    deadline = time.monotonic() + 10
    while listener.received < count:
        assert time.monotonic() < deadline, f"received {listener.received} of {count}"
        time.sleep(0.02)
    listener.flush()


def test_the_listener_receives_and_a_gateway_writes_only_its_own_plant(
    tls_broker, pki, customer, listener_settings
):
    plant_a = PlantFactory(customer=customer, code="TLS-A")
    plant_b = PlantFactory(customer=customer, code="TLS-B")
    for plant in (plant_a, plant_b):
        PlantTelecontrol.objects.create(plant=plant, protocol=Protocol.MQTT)
    listener = TelemetryListener(host=tls_broker.host, port=tls_broker.port, client_id="pronto-telemetry-1")
    listener.subscriber.start()
    gateway = Client(tls_broker, pki["ca"], pki["TLS-A"], client_id="gateway-TLS-A")
    try:
        assert listener.subscriber.wait_connected(15), tls_broker.log()
        time.sleep(0.2)  # the SUBACK
        assert gateway.connect() is True
        body = {"ts": timezone.now().isoformat(), "active": True, "measurements": {"flow": 7}}
        # Plant A's gateway speaking for plant B: refused by the ACL, with the reason.
        assert gateway.publish("plants/TLS-B/telemetry", {**body, "anomaly": True}) == NOT_AUTHORIZED
        assert gateway.publish("plants/TLS-B/alarm", {"code": "E1"}) == NOT_AUTHORIZED
        # Its own plant: delivered. The broker forwards one connection's messages in order, so
        # had the refused ones been delivered they would have arrived first.
        assert gateway.publish("plants/TLS-A/telemetry", body) == 0
        wait_received(listener, 1)
    finally:
        gateway.close()
        listener.subscriber.stop()
    assert (listener.received, listener.applied, listener.rejected) == (1, 1, 0)
    assert PlantState.objects.get(plant=plant_a).measurements["flow"]["value"] == 7
    assert not PlantState.objects.filter(plant=plant_b).exists()


def test_tls_files_that_cannot_be_loaded_stop_the_listener_at_start_up(settings, tmp_path):
    from django.core.exceptions import ImproperlyConfigured

    settings.PRONTO_MQTT_TLS_CA = str(tmp_path / "missing-ca.crt")
    with pytest.raises(ImproperlyConfigured, match="PRONTO_MQTT_TLS_"):
        TelemetryListener(host="127.0.0.1", port=1, client_id="tls-misconfigured")
