"""A scripted gateway for service tests: real gateways have their own tests against real servers."""

from __future__ import annotations

from notifications.backends.base import (
    GatewayRejected,
    GatewayUnavailable,
    NotificationBackend,
    OutgoingMessage,
    SendResult,
)


class FakeGateway(NotificationBackend):
    """Class-level state so every backend instance the services create shares it."""

    sent: list[OutgoingMessage] = []
    script: list[str] = []  # per call: "ok", "down", "reject"; empty: "ok"
    taken: dict[str, str] = {}  # idempotency key -> gateway id, what find() can see

    @classmethod
    def reset(cls) -> None:
        cls.sent, cls.script, cls.taken = [], [], {}

    def send(self, message: OutgoingMessage) -> SendResult:
        step = self.script.pop(0) if self.script else "ok"
        if step == "down":
            raise GatewayUnavailable("connection refused")
        if step == "reject":
            raise GatewayRejected("Invalid receiver")
        self.sent.append(message)
        gateway_id = f"gw-{len(self.sent)}"
        self.taken[message.idempotency_key] = gateway_id
        return SendResult(gateway_id=gateway_id)

    def find(self, message: OutgoingMessage) -> SendResult | None:
        gateway_id = self.taken.get(message.idempotency_key)
        return SendResult(gateway_id=gateway_id) if gateway_id else None
