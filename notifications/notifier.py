"""The core's ``Notifier`` port, implemented with the outbox: registered in ``apps.ready()``.

Each method writes outbox rows in the caller's transaction (they commit or roll back with the
assignment, cancellation or reminder) and queues their delivery after commit."""

from __future__ import annotations

from typing import TYPE_CHECKING

from notifications.services import (
    notifications_for_assignment,
    notifications_for_callback,
    notifications_for_cancel,
)

if TYPE_CHECKING:
    from datetime import datetime

    from dispatch.models import Callback, Intervention


class OutboxNotifier:
    def intervention_assigned(
        self, *, intervention: Intervention, previous_technician_id: int | None
    ) -> None:
        notifications_for_assignment(intervention=intervention, previous_technician_id=previous_technician_id)

    def intervention_cancelled(self, *, intervention: Intervention) -> None:
        notifications_for_cancel(intervention=intervention)

    def callback_due(self, *, callback: Callback, now: datetime) -> None:
        notifications_for_callback(callback=callback, now=now)
