"""The embedded gateway: stores what would be sent in the outbox table, where the web UI shows
it. Nothing leaves this machine; it serves the demo and any machine without real gateways."""

from __future__ import annotations

import base64

from django.db import IntegrityError, transaction

from .base import NotificationBackend, OutgoingMessage, SendResult


class OutboxBackend(NotificationBackend):
    description = "outbox: nothing leaves this machine"

    def send(self, message: OutgoingMessage) -> SendResult:
        from notifications.models import OutboxMessage

        attachments = [
            {
                "filename": a.filename,
                "content_type": a.content_type,
                "size": len(a.content),
                # Small enough for the demo to show; a real gateway would carry the bytes.
                "content_b64": base64.b64encode(a.content).decode() if len(a.content) <= 512 * 1024 else "",
            }
            for a in message.attachments
        ]
        try:
            with transaction.atomic():
                stored = OutboxMessage.objects.create(
                    channel=message.channel,
                    recipient=message.recipient,
                    subject=message.subject,
                    body=message.body,
                    attachments=attachments,
                    idempotency_key=message.idempotency_key,
                )
        except IntegrityError:
            # Sent before (an ambiguous attempt): the same key is the same message.
            stored = OutboxMessage.objects.get(idempotency_key=message.idempotency_key)
        return SendResult(gateway_id=f"outbox-{stored.pk}", delivered=True, detail=self.description)

    def find(self, message: OutgoingMessage) -> SendResult | None:
        from notifications.models import OutboxMessage

        stored = OutboxMessage.objects.filter(idempotency_key=message.idempotency_key).first()
        if stored is None:
            return None
        return SendResult(gateway_id=f"outbox-{stored.pk}", delivered=True, detail=self.description)
