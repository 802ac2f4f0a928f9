"""MQTT through paho-mqtt 2.x.

The session is persistent (``clean_session=False`` with a fixed client id) and subscriptions
are QoS 1, so messages published while the listener is away wait at the broker. Subscriptions
are renewed on every connect: a broker that lost its session store (restart without
persistence) would otherwise leave us connected and deaf.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import paho.mqtt.client as mqtt
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
        self._client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=self.client_id,
            clean_session=False,
            protocol=mqtt.MQTTv311,
        )
        if self.username:
            self._client.username_pw_set(self.username, self.password or None)
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
        client.subscribe([(topic, 1) for topic in self.topics])
        self.connects += 1
        self._connected.set()
        logger.info(
            "MQTT connected to %s:%s (session present: %s)", self.host, self.port, flags.session_present
        )

    def _on_disconnect(
        self,
        client: mqtt.Client,
        userdata: object,
        flags: mqtt.DisconnectFlags,
        reason_code: ReasonCode,
        properties: Properties | None,
    ) -> None:
        self._connected.clear()
        logger.warning("MQTT disconnected from %s:%s: %s", self.host, self.port, reason_code)

    def _on_message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        try:
            self.on_message(message.topic, bytes(message.payload))
        except Exception:  # a bug in handling one message must not kill the network thread
            logger.exception("MQTT message on %s could not be handled", message.topic)

    def start(self) -> None:
        # connect_async + loop_start: a broker that is down at start-up is retried like a lost one.
        self._client.connect_async(self.host, self.port, keepalive=self.keepalive)
        self._client.loop_start()

    def stop(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def wait_connected(self, timeout: float) -> bool:
        return self._connected.wait(timeout)
