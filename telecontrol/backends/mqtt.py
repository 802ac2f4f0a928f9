"""MQTT through paho-mqtt 2.x, protocol version 5.

The session is persistent (``clean_start=False`` with a fixed client id and a session expiry
interval) and subscriptions are QoS 1, so messages published while the listener is away wait at
the broker. Subscriptions are renewed on every connect: a broker that lost its session store
(restart without persistence) would otherwise leave us connected and deaf.

Acknowledgements are manual (paho's ``manual_ack``): a PUBACK leaves only when the listener says
the message's effect is committed, so a process killed between receipt and commit gets the
message again (QoS 1: at least once; the services apply a repeat as a no-op).
"""

from __future__ import annotations

import logging
import ssl
import threading
from typing import Any

import paho.mqtt.client as mqtt
from django.core.exceptions import ImproperlyConfigured
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from .base import MqttSubscriber

logger = logging.getLogger(__name__)


class PahoMqttSubscriber(MqttSubscriber):
    """``MqttSubscriber`` on paho-mqtt's network thread (``loop_start``), which reconnects by
    itself with a backoff of 1 to 30 seconds."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._connected = threading.Event()
        # Bumped at every connect and disconnect, under _ack_lock: a packet identifier names a
        # message only on the connection it came on, and after a reconnect the broker may give
        # the same number to another message, which an old token must not acknowledge.
        self._generation = 0
        self._ack_lock = threading.Lock()
        self._client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=self.client_id,
            protocol=mqtt.MQTTv5,
            manual_ack=True,
        )
        if self.username:
            self._client.username_pw_set(self.username, self.password or None)
        if self.tls is not None:
            try:
                self._client.tls_set(
                    ca_certs=self.tls.ca,
                    certfile=self.tls.cert or None,
                    keyfile=self.tls.key or None,
                    cert_reqs=ssl.CERT_REQUIRED,
                )
            except (OSError, ssl.SSLError, ValueError) as exc:
                raise ImproperlyConfigured(f"MQTT TLS files unusable (PRONTO_MQTT_TLS_*): {exc}") from exc
        self._client.reconnect_delay_set(min_delay=1, max_delay=30)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_message = self._on_message

    def _on_connect(
        self,
        client: mqtt.Client,
        userdata: object,
        flags: mqtt.ConnectFlags,
        reason_code: ReasonCode,
        properties: Properties | None,
    ) -> None:
        if reason_code.is_failure:
            logger.warning("MQTT broker %s:%s refused the connection: %s", self.host, self.port, reason_code)
            return
        with self._ack_lock:
            self._generation += 1
        client.subscribe([(topic, 1) for topic in self.filters])
        self.connects += 1
        self._connected.set()
        logger.info(
            "MQTT connected to %s:%s as %s (session present: %s)",
            self.host,
            self.port,
            self.client_id,
            flags.session_present,
        )

    def _on_disconnect(
        self,
        client: mqtt.Client,
        userdata: object,
        flags: mqtt.DisconnectFlags,
        reason_code: ReasonCode,
        properties: Properties | None,
    ) -> None:
        with self._ack_lock:
            self._generation += 1
        self._connected.clear()
        logger.warning("MQTT disconnected from %s:%s: %s", self.host, self.port, reason_code)

    def _on_message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        token = (self._generation, message.mid) if message.qos > 0 else None
        try:
            self.on_message(message.topic, bytes(message.payload), token)
        except Exception:  # a bug in handling one message must not kill the network thread
            logger.exception("MQTT message on %s could not be handled", message.topic)
            if token is not None:
                self.ack([token])  # dropped, as before manual acks: redelivery would fail again

    def ack(self, tokens: list[Any]) -> None:
        with self._ack_lock:
            for generation, mid in tokens:
                if generation == self._generation:
                    self._client.ack(mid, 1)

    def start(self) -> None:
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = self.session_expiry
        # connect_async + loop_start: a broker that is down at start-up is retried like a lost one.
        self._client.connect_async(
            self.host, self.port, keepalive=self.keepalive, clean_start=False, properties=properties
        )
        self._client.loop_start()

    def stop(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def wait_connected(self, timeout: float) -> bool:
        return self._connected.wait(timeout)
