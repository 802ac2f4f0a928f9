"""The supervisors' warnings: when a notification fails for good (never about their own
warnings). Assignments not acknowledged in time are escalated by the ``escalations`` app's
chains (docs/escalations.md)."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import get_user_model

from dispatch.choices import Role
from dispatch.models import Intervention
from notifications.choices import Channel, NotificationReason
from notifications.models import ContactPoint, Notification

from .outbox import _notification_build, _notifications_create, _record


def _supervisors_warn(
    *, intervention: Intervention | None, reason_text: str, now: datetime
) -> list[Notification]:
    """One message to each active supervisor's first channel. Failures of these warnings do not
    warn again (no loop); they stay visible in the failed notifications."""
    supervisors = get_user_model().objects.filter(is_active=True, groups__name=Role.SUPERVISOR)
    points = (
        ContactPoint.objects.filter(user__in=supervisors, active=True)
        .select_related("user")
        .order_by("user_id", "position", "id")
    )
    first: dict[int, ContactPoint] = {}
    for point in points:
        first.setdefault(point.user_id, point)
    rows = []
    for point in first.values():
        row = _notification_build(
            intervention=intervention, reason=NotificationReason.SUPERVISOR_WARNING, point=point, now=now
        )
        row.body = f"{reason_text}\n{row.body}" if point.channel != Channel.SMS else row.body
        rows.append(row)
    if intervention is not None:
        _record(
            intervention.pk, "notification.supervisor_warned", {"why": reason_text, "supervisors": len(rows)}
        )
    return _notifications_create(rows, intervention_id=intervention.pk if intervention else None)


def _supervisors_warn_of_failure(row: Notification, reason: str, *, now: datetime) -> None:
    """A notification failed: the supervisors hear which, to whom and why (not about their own
    warnings failing, which would loop)."""
    if row.reason == NotificationReason.SUPERVISOR_WARNING:
        return
    intervention = (
        Intervention.objects.select_related("plant", "call", "technician")
        .filter(pk=row.intervention_id)
        .first()
        if row.intervention_id is not None
        else None
    )
    _supervisors_warn(
        intervention=intervention,
        reason_text=f"{row.get_channel_display()} {row.recipient}: {reason}",
        now=now,
    )
