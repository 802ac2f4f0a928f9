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


# (topic, payload, ack token): the token goes back to ``MqttSubscriber.ack`` once the message's
# effect is committed; ``None`` for a message that needs no acknowledgement (QoS 0).
MessageHandler = Callable[[str, bytes, Any], None]


@dataclass(frozen=True)
class MqttTls:
    """TLS towards the broker: the CA that signed its certificate, and our client certificate
    and key when the broker asks for one (all paths to PEM files)."""

    ca: str
    cert: str = ""
    key: str = ""


class MqttSubscriber(abc.ABC):
    """A subscription that survives broker restarts: persistent session, QoS 1, reconnects and
    resubscribes by itself. ``on_message`` runs on the client's network thread and must be quick.

    With ``share_group`` the topics are subscribed as MQTT 5 shared subscriptions
    (``$share/<group>/<filter>``): the broker hands each message to one member of the group.
    Messages are acknowledged only when the caller hands their tokens to ``ack`` (after its
    commit), so a process killed between receipt and commit gets them again from the broker."""

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
        share_group: str = "",
        session_expiry: int = 86400,
        tls: MqttTls | None = None,
    ) -> None:
        self.host, self.port, self.client_id, self.topics = host, port, client_id, topics
        self.on_message, self.username, self.password, self.keepalive = (
            on_message,
            username,
            password,
            keepalive,
        )
        if share_group and any(char in share_group for char in "/+#"):
            raise ImproperlyConfigured(f"MQTT share group {share_group!r} may not contain '/', '+' or '#'")
        self.share_group, self.session_expiry, self.tls = share_group, session_expiry, tls
        self.connects = 0  # how many times a session was (re)established

    @property
    def filters(self) -> list[str]:
        """The topic filters as subscribed: shared when there is a group."""
        if not self.share_group:
            return list(self.topics)
        return [f"$share/{self.share_group}/{topic}" for topic in self.topics]

    def ack(self, tokens: list[Any]) -> None:  # noqa: B027  (a subscriber may need none)
        """Acknowledge the messages of these tokens to the broker: their effect is committed.
        Tokens of a connection since lost are dropped (the broker sends those messages again)."""

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
