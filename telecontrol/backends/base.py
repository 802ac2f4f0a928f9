"""The contract between telecontrol services and the protocol libraries.

Services speak in ``ModbusTarget`` and ``Reading``; only the modules of this package import
pymodbus or paho-mqtt (a ruff rule keeps it so). Settings name the classes
(``PRONTO_MODBUS_BACKEND``, ``PRONTO_MQTT_BACKEND``), so another stack (or a fake in unit tests)
plugs in without touching the services.
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from telecontrol.choices import CheckOutcome

# Outcomes where nothing answered at the address: the plant is not reachable.
UNREACHABLE_OUTCOMES = frozenset({CheckOutcome.UNREACHABLE, CheckOutcome.REFUSED, CheckOutcome.TIMEOUT})


@dataclass(frozen=True)
class ModbusTarget:
    """Where one plant answers, and how to read it."""

    host: str
    port: int
    unit_id: int
    timeout: float
    register_map: dict[str, Any]


@dataclass
class Reading:
    """What one read of a plant found. ``outcome`` says whether the other fields mean anything."""

    outcome: str
    active: bool | None = None
    anomaly: bool | None = None
    out_of_service: bool | None = None
    alarm_code: str = ""
    measurements: dict[str, Any] = field(default_factory=dict)
    observed_at: datetime | None = None
    error: str = ""
    duration_ms: float = 0.0

    @property
    def reachable(self) -> bool:
        return self.outcome not in UNREACHABLE_OUTCOMES and self.outcome != CheckOutcome.NOT_CONFIGURED


class ModbusBackend(abc.ABC):
    """Reads plants over Modbus TCP. Every method returns a ``Reading``; none raises for a
    plant's fault, and none takes longer than the target's timeout."""

    @abc.abstractmethod
    async def read(self, target: ModbusTarget) -> Reading:
        """One read over a connection of its own, closed afterwards (a live check)."""

    @abc.abstractmethod
    def fleet(self) -> ModbusFleet:
        """A pool that keeps one connection per plant across polls (the fleet poller)."""


class ModbusFleet(abc.ABC):
    @abc.abstractmethod
    async def read(self, key: Any, target: ModbusTarget) -> Reading:
        """Read over the connection kept for ``key``, reconnecting when it was lost. Calls for
        the same key must not overlap: a Modbus TCP connection carries one request at a time."""

    @abc.abstractmethod
    async def close(self) -> None: ...

    def forget(self, key: Any) -> None:  # noqa: B027  (optional: a fleet that keeps nothing has nothing to close)
        """Close the connection kept for ``key`` (a plant this poller no longer polls)."""


MessageHandler = Callable[[str, bytes], None]


class MqttSubscriber(abc.ABC):
    """A subscription that survives broker restarts: persistent session, QoS 1, reconnects and
    resubscribes by itself. ``on_message`` runs on the client's network thread and must be quick."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        client_id: str,
        topics: list[str],
        on_message: MessageHandler,
        username: str = "",
        password: str = "",
        keepalive: int = 30,
    ) -> None:
        self.host, self.port, self.client_id, self.topics = host, port, client_id, topics
        self.on_message, self.username, self.password, self.keepalive = (
            on_message,
            username,
            password,
            keepalive,
        )
        self.connects = 0  # how many times a session was (re)established

    @abc.abstractmethod
    def start(self) -> None: ...

    @abc.abstractmethod
    def stop(self) -> None: ...

    @property
    @abc.abstractmethod
    def connected(self) -> bool: ...


def modbus_backend() -> ModbusBackend:
    backend = import_string(settings.PRONTO_MODBUS_BACKEND)()
    if not isinstance(backend, ModbusBackend):
        raise ImproperlyConfigured(
            f"PRONTO_MODBUS_BACKEND {settings.PRONTO_MODBUS_BACKEND} is not a ModbusBackend"
        )
    return backend


def mqtt_subscriber_class() -> type[MqttSubscriber]:
    subscriber_class = import_string(settings.PRONTO_MQTT_BACKEND)
    if not (isinstance(subscriber_class, type) and issubclass(subscriber_class, MqttSubscriber)):
        raise ImproperlyConfigured(
            f"PRONTO_MQTT_BACKEND {settings.PRONTO_MQTT_BACKEND} is not an MqttSubscriber"
        )
    return subscriber_class
