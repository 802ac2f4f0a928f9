"""A scripted gateway for service tests: real gateways have their own tests against real servers."""

from __future__ import annotations

from notifications.backends.base import (
    DeliveryStatus,
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
    # gateway id -> what delivery_status() answers, or "down" (GatewayUnavailable); unknown ids
    # read as still queued. Only asked through a backend that polls (FakePolledGateway).
    delivery: dict[str, DeliveryStatus | str] = {}
    polled: list[str] = []  # gateway ids delivery_status() was asked about, in order

    @classmethod
    def reset(cls) -> None:
        cls.sent, cls.script, cls.taken, cls.delivery, cls.polled = [], [], {}, {}, []

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

    def delivery_status(self, gateway_id: str) -> DeliveryStatus | None:
        self.polled.append(gateway_id)
        answer = self.delivery.get(gateway_id, DeliveryStatus(detail=f"job {gateway_id}: waiting"))
        if answer == "down":
            raise GatewayUnavailable("connection refused")
        return answer  # type: ignore[return-value]


class FakePolledGateway(FakeGateway):
    """The same gateway, polled for delivery as HylaFAX is (same shared state)."""

    polls_delivery = True
