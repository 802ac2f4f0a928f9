"""The MQTT front end of the simulated plants: one paho-mqtt client publishing the telemetry of
one or more plants to ``<prefix>/<code>/telemetry`` every interval and their alarms, as they
change, to ``<prefix>/<code>/alarm``, both at QoS 1.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from .plant import DEFAULT_FLAP_SECONDS, DEFAULT_INTERVAL_SECONDS, PlantSimulation, Scenario, alarm_payload

logger = logging.getLogger(__name__)


class SimulatedMqttPublisher:
    """Publishes simulated plants over MQTT with one paho-mqtt client.

    Every ``interval`` seconds, for each reachable plant, a telemetry message to
    ``<prefix>/<code>/telemetry``; whenever a plant's alarm changes (a scenario change or a
    flapping phase), ``cleared`` for the old alarm and/or ``raised`` for the new one to
    ``<prefix>/<code>/alarm``, within ~0.1 s. A plant that starts in anomaly or out of service
    raises its alarm at once. All at QoS 1: paho keeps the messages while the broker is away and
    sends them on reconnection (it reconnects by itself, 0.1 to 2 s apart).
    """

    inflight_window = 100
    tick_seconds = 0.1

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 1883,
        *,
        prefix: str = "plants",
        interval: float = DEFAULT_INTERVAL_SECONDS,
        client_id: str | None = None,
        keepalive: int = 30,
        qos: int = 1,
        username: str = "",
        password: str = "",
    ) -> None:
        if interval <= 0:
            raise ValueError("interval must be positive")
        self.host = host
        self.port = port
        self.prefix = prefix.strip("/")
        self.interval = float(interval)
        self.keepalive = keepalive
        self.qos = qos
        self.client_id = client_id or f"pronto-simulator-{os.getpid()}-{id(self):x}"
        self.plants: dict[str, PlantSimulation] = {}
        self.published = {"telemetry": 0, "alarm": 0}
        self.acknowledged = 0
        self.connects = 0
        self._seq: dict[str, int] = {}
        self._announced: dict[str, int] = {}
        self._lock = threading.Lock()
        self._connected = threading.Event()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=self.client_id)
        if username:
            self._client.username_pw_set(username, password or None)
        # paho's default window is 20; a large backlog queued at once loses messages, so keep
        # it modest and let the rest wait in paho's queue.
        self._client.max_inflight_messages_set(self.inflight_window)
        self._client.max_queued_messages_set(0)
        # paho annotates the delays as int but sleeps on any number; a simulator reconnects fast.
        self._client.reconnect_delay_set(min_delay=0.1, max_delay=2)  # type: ignore[arg-type]
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_publish = self._on_publish

    def __enter__(self) -> SimulatedMqttPublisher:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def topic(self, code: str, kind: str) -> str:
        return f"{self.prefix}/{code}/{kind}"

    def add(
        self,
        code: str,
        scenario: str = Scenario.NORMAL,
        flap_seconds: float = DEFAULT_FLAP_SECONDS,
        *,
        drift: bool = True,
    ) -> PlantSimulation:
        if "/" in code or "+" in code or "#" in code:
            raise ValueError(f"plant code {code!r} cannot be part of an MQTT topic")
        plant = PlantSimulation(code, scenario=scenario, flap_seconds=flap_seconds, drift=drift)
        with self._lock:
            if code in self.plants:
                raise ValueError(f"plant {code} is already simulated")
            self.plants[code] = plant
        plant.observe(lambda _plant: self._wake.set())
        self._wake.set()
        return plant

    def set_scenario(self, code: str, scenario: str) -> None:
        """Change a plant's scenario; its alarm (if it changes) goes out within a tick."""
        self.plants[code].scenario = scenario

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def wait_connected(self, timeout: float) -> bool:
        return self._connected.wait(timeout)

    def start(self) -> None:
        """Connect in the background (retrying until the broker answers) and start publishing."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._client.connect_async(self.host, self.port, keepalive=self.keepalive)
        self._client.loop_start()
        self._thread = threading.Thread(target=self._run, name=f"mqtt-sim-{self.port}", daemon=True)
        self._thread.start()

    def stop(self, flush_timeout: float = 2.0) -> None:
        """Stop publishing; wait up to ``flush_timeout`` for the broker to acknowledge what was
        sent, then disconnect."""
        if self._thread is None:
            return
        self._stop.set()
        self._wake.set()
        self._thread.join()
        self._thread = None
        deadline = time.monotonic() + flush_timeout
        while self.connected and self.acknowledged < sum(self.published.values()):
            if time.monotonic() > deadline:
                break
            time.sleep(0.02)
        self._client.disconnect()
        self._client.loop_stop()

    def _on_connect(
        self,
        client: mqtt.Client,
        userdata: object,
        flags: mqtt.ConnectFlags,
        reason_code: ReasonCode,
        properties: Properties | None,
    ) -> None:
        if reason_code.is_failure:
            logger.warning("MQTT broker %s:%s refused the simulator: %s", self.host, self.port, reason_code)
            return
        self.connects += 1
        self._connected.set()

    def _on_disconnect(
        self,
        client: mqtt.Client,
        userdata: object,
        flags: mqtt.DisconnectFlags,
        reason_code: ReasonCode,
        properties: Properties | None,
    ) -> None:
        self._connected.clear()

    def _on_publish(
        self, client: mqtt.Client, userdata: object, mid: int, reason_code: ReasonCode, properties: Properties
    ) -> None:
        self.acknowledged += 1

    def _publish(self, code: str, kind: str, payload: dict[str, Any]) -> None:
        self._client.publish(self.topic(code, kind), json.dumps(payload), qos=self.qos)
        self.published[kind] += 1

    def _alarms(self) -> None:
        for code, plant in list(self.plants.items()):
            status = plant.status()
            if not status.reachable:
                continue
            announced = self._announced.get(code, 0)
            if status.alarm_code == announced:
                continue
            if announced:
                self._publish(code, "alarm", alarm_payload(announced, "cleared"))
            if status.alarm_code:
                self._publish(code, "alarm", alarm_payload(status.alarm_code, "raised"))
            self._announced[code] = status.alarm_code

    def _telemetry(self) -> None:
        for code, plant in list(self.plants.items()):
            if not plant.status().reachable:
                continue
            self._seq[code] = self._seq.get(code, 0) + 1
            self._publish(code, "telemetry", plant.telemetry(self._seq[code]))

    def _run(self) -> None:
        next_telemetry = time.monotonic()
        while not self._stop.is_set():
            try:
                self._alarms()
                now = time.monotonic()
                if now >= next_telemetry:
                    self._telemetry()
                    next_telemetry = max(next_telemetry + self.interval, now)
            except Exception:  # one bad tick must not end the simulation
                logger.exception("simulated MQTT publishing failed")
            wait = max(0.0, min(self.tick_seconds, next_telemetry - time.monotonic()))
            self._wake.wait(wait)
            self._wake.clear()


class SimulatedMqttPlant(SimulatedMqttPublisher):
    """One simulated plant publishing over MQTT; ``scenario`` may be set while it runs."""

    def __init__(
        self,
        host: str,
        port: int,
        code: str,
        scenario: str = Scenario.NORMAL,
        interval: float = DEFAULT_INTERVAL_SECONDS,
        flap_seconds: float = DEFAULT_FLAP_SECONDS,
        *,
        prefix: str = "plants",
        client_id: str | None = None,
        drift: bool = True,
    ) -> None:
        super().__init__(host, port, prefix=prefix, interval=interval, client_id=client_id)
        self.code = code
        self.plant = self.add(code, scenario, flap_seconds, drift=drift)

    @property
    def scenario(self) -> Scenario:
        return self.plant.scenario

    @scenario.setter
    def scenario(self, value: str) -> None:
        self.plant.scenario = value
