"""The contract every notification gateway backend keeps.

A backend turns one already-rendered ``OutgoingMessage`` into a gateway call and says what the
gateway answered. It never touches the database: the outbox services record attempts and
outcomes. Settings name the backend class per channel (``PRONTO_NOTIFICATION_BACKENDS``).

Errors tell the outbox what to do next:
- ``GatewayRejected``: the gateway refused *this message* (bad number, bad address): retrying
  will not help, the row becomes ``failed`` with the reason and the supervisor is warned;
- ``GatewayUnavailable``: the gateway could not be reached or answered in a way that may change
  (down, timeout, 5xx): the row is retried later with exponential backoff.
Every network call is bounded by the backend's timeout, so a slow gateway never holds a worker.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string


class NotABackend(ImproperlyConfigured):
    """The settings name a class that is not a ``NotificationBackend``."""


class GatewayError(Exception):
    """Base of the errors a backend raises; ``str()`` is the reason shown to people."""


class GatewayRejected(GatewayError):
    """Permanent: the gateway refused this message."""


class GatewayUnavailable(GatewayError):
    """Transient: try again later."""


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class OutgoingMessage:
    """What one outbox row asks a gateway to send. ``idempotency_key`` is unique per row and is
    handed to the gateway where it can keep it (Message-ID, fax job tag, DLR URL), so a re-send
    after an ambiguous attempt can be recognised."""

    notification_id: int
    idempotency_key: str
    channel: str
    recipient: str  # E.164 number (SMS, fax) or email address
    subject: str
    body: str
    attachments: tuple[Attachment, ...] = ()
    # For SMS: where the gateway reports delivery (already authenticated for this row).
    status_url: str = ""
    # 1 for the row's first attempt: no earlier attempt can have reached the gateway, so a
    # backend that looks its idempotency key up before sending may skip the look-up.
    attempt: int = 1


@dataclass(frozen=True)
class SendResult:
    gateway_id: str = ""
    # True when the gateway's acceptance is also the delivery (the embedded outbox).
    delivered: bool = False
    detail: str = ""


@dataclass(frozen=True)
class DeliveryStatus:
    """What a backend found when asked about a message it took earlier (``None`` fields: unknown)."""

    delivered: bool | None = None
    failed_reason: str = ""
    detail: str = ""


class NotificationBackend:
    """Base class. Subclasses set ``channel`` and implement ``send``."""

    channel: str = ""
    # Shown in the UI beside what this backend sent, e.g. "outbox: nothing leaves this machine".
    description: str = ""
    # True when ``delivery_status`` asks the gateway (HylaFAX gives no push report). The sweeper
    # polls only such backends, so the others cost no call per sweep for a question they cannot
    # answer.
    polls_delivery: bool = False

    def __init__(self, **options: Any) -> None:
        self.options = options

    def check_config(self) -> None:
        """Raise ``django.core.exceptions.ImproperlyConfigured`` when settings are unusable."""

    def send(self, message: OutgoingMessage) -> SendResult:
        raise NotImplementedError

    def find(self, message: OutgoingMessage) -> SendResult | None:
        """After an attempt whose outcome is unknown (the worker died mid-call): the gateway's
        id if it already took this message, looked up by its idempotency key; ``None`` when it
        did not or the gateway cannot tell."""
        return None

    def delivery_status(self, gateway_id: str) -> DeliveryStatus | None:
        """For gateways polled for delivery (fax jobs; set ``polls_delivery``): what became of the
        message the gateway took as ``gateway_id``; ``delivered=None`` while it is not final.
        ``None`` when not supported. Raises ``GatewayUnavailable`` when the gateway cannot be
        asked."""
        return None


@dataclass
class BackendSpec:
    path: str
    options: dict[str, Any] = field(default_factory=dict)


def notification_backend(channel: str) -> NotificationBackend:
    """The backend settings choose for ``channel`` (``PRONTO_NOTIFICATION_BACKENDS``)."""
    spec = settings.PRONTO_NOTIFICATION_BACKENDS[channel]
    backend = import_string(spec["BACKEND"])(**spec.get("OPTIONS", {}))
    if not isinstance(backend, NotificationBackend):
        raise NotABackend(f"The {channel} backend {spec['BACKEND']!r} is not a NotificationBackend.")
    return backend
