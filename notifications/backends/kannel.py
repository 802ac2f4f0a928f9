"""SMS through Kannel's smsbox HTTP ``sendsms`` interface, with delivery reports (``dlr-url``).

Kannel answers ``0: Accepted for delivery`` (or ``3: Queued for later delivery``) when it takes
a message; a 4xx answer refuses this message (bad receiver, bad credentials: a supervisor must
see it, retrying will not help); no answer, a refused connection or a 5xx is an outage."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

from notifications.sms_text import sms_analyse

from .base import (
    DeliveryStatus,
    GatewayRejected,
    GatewayUnavailable,
    NotificationBackend,
    OutgoingMessage,
    SendResult,
)

# Kannel's DLR types: 1 delivered to the phone, 2 not delivered, 4 buffered at the SMSC,
# 8 accepted by the SMSC, 16 rejected by the SMSC.
DLR_DELIVERED, DLR_FAILED, DLR_BUFFERED, DLR_SMSC_ACCEPTED, DLR_SMSC_REJECTED = 1, 2, 4, 8, 16
DLR_MASK = DLR_DELIVERED | DLR_FAILED | DLR_BUFFERED | DLR_SMSC_ACCEPTED | DLR_SMSC_REJECTED


def kannel_dlr_parse(params: Mapping[str, str]) -> DeliveryStatus:
    """Read a delivery report Kannel sent to our ``dlr-url`` (``type=%d&smsc_reply=%A``)."""
    try:
        kind = int(params.get("type", ""))
    except ValueError:
        return DeliveryStatus(detail=f"unreadable report type {params.get('type')!r}")
    reply = (params.get("smsc_reply") or "")[:200]
    if kind & DLR_DELIVERED:
        return DeliveryStatus(delivered=True, detail=reply or "delivered")
    if kind & (DLR_FAILED | DLR_SMSC_REJECTED):
        reason = "rejected by the SMSC" if kind & DLR_SMSC_REJECTED else "not delivered"
        return DeliveryStatus(delivered=False, failed_reason=f"{reason}: {reply}".rstrip(": "))
    if kind & DLR_BUFFERED:
        return DeliveryStatus(detail=f"buffered at the SMSC {reply}".strip())
    if kind & DLR_SMSC_ACCEPTED:
        return DeliveryStatus(detail=f"accepted by the SMSC {reply}".strip())
    return DeliveryStatus(detail=f"report type {kind} {reply}".strip())


class KannelSmsBackend(NotificationBackend):
    channel = "sms"
    description = "Kannel"

    def __init__(self, *, url="", username="", password="", sender="Pronto", timeout=10.0, **options) -> None:
        super().__init__(**options)
        self.url, self.username, self.password = url, username, password
        self.sender, self.timeout = sender, float(timeout)

    def check_config(self) -> None:
        if not (self.url and self.username and self.password):
            raise ImproperlyConfigured("Kannel needs PRONTO_KANNEL_URL, _USERNAME and _PASSWORD")

    def send(self, message: OutgoingMessage) -> SendResult:
        info = sms_analyse(message.body)
        params = {
            "username": self.username,
            "password": self.password,
            "from": self.sender,
            "to": message.recipient,
            "text": message.body,
            "charset": "UTF-8",
            "coding": "0" if info.coding == "gsm7" else "2",
            "max-messages": str(max(1, info.parts)),
        }
        if message.status_url:
            # Kannel expands %d (report type) and %A (the SMSC's answer) when it calls back.
            params["dlr-mask"] = str(DLR_MASK)
            params["dlr-url"] = f"{message.status_url}&type=%d&smsc_reply=%A"
        url = f"{self.url}?{urllib.parse.urlencode(params)}"
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as response:  # noqa: S310 (configured URL)
                answer = response.read(500).decode("utf-8", "replace").strip()
        except urllib.error.HTTPError as exc:
            answer = exc.read(500).decode("utf-8", "replace").strip() or exc.reason
            if 400 <= exc.code < 500 and exc.code not in (408, 429):
                raise GatewayRejected(f"Kannel {exc.code}: {answer}") from exc
            raise GatewayUnavailable(f"Kannel {exc.code}: {answer}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise GatewayUnavailable(f"Kannel unreachable: {getattr(exc, 'reason', exc)}") from exc
        if answer.startswith(("0:", "3:")):
            return SendResult(gateway_id=message.idempotency_key, detail=answer[:300])
        raise GatewayUnavailable(f"Kannel answered: {answer[:200]}")
