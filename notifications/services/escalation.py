"""Escalation and the supervisors' warnings: an assignment not acknowledged in its priority's
time is sent again on the technician's next channel, round after round, and the supervisors are
warned; they are warned too when a notification fails for good (never about their own warnings).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from dispatch.choices import InterventionStatus, Role
from dispatch.models import Intervention
from dispatch.timing import as_utc, shifted
from notifications.choices import Channel, NotificationReason
from notifications.models import ContactPoint, Notification

from .outbox import _notification_build, _notifications_create, _record, contact_points_for


def ack_timeout(priority: int) -> timedelta:
    minutes = settings.PRONTO_ACK_TIMEOUT_MINUTES.get(int(priority)) or max(
        settings.PRONTO_ACK_TIMEOUT_MINUTES.values()
    )
    return timedelta(minutes=minutes)


def acknowledgements_escalate(*, now: datetime) -> int:
    """For each assignment not acknowledged in its priority's time: send the summary again on
    the technician's next channel and warn the supervisors; at most
    ``PRONTO_ESCALATION_MAX_ROUNDS`` rounds per assignment, one per timeout period."""
    shortest = min(settings.PRONTO_ACK_TIMEOUT_MINUTES.values())
    candidates = Intervention.objects.filter(
        status=InterventionStatus.ASSIGNED,
        acknowledged_at__isnull=True,
        assigned_at__lte=shifted(now, -timedelta(minutes=shortest)),
    ).values_list("pk", flat=True)
    escalated = 0
    for pk in candidates[:500]:
        with transaction.atomic():
            intervention = (
                Intervention.objects.select_for_update(of=("self",))
                .select_related("plant", "call", "technician")
                .get(pk=pk)
            )
            assigned_at = intervention.assigned_at
            if (
                intervention.status != InterventionStatus.ASSIGNED
                or intervention.acknowledged_at
                or not assigned_at
            ):
                continue
            rounds = Notification.objects.filter(
                intervention=intervention,
                reason=NotificationReason.ESCALATED,
                recipient_user_id=intervention.technician_id,
                created_at__gte=assigned_at,
            ).count()
            if rounds >= settings.PRONTO_ESCALATION_MAX_ROUNDS:
                continue
            if as_utc(now) < shifted(assigned_at, ack_timeout(intervention.priority) * (rounds + 1)):
                continue
            points = contact_points_for(intervention.technician)
            rows = []
            if points:
                # Round 1 goes to the second channel, round 2 to the third, and so on, wrapping.
                point = points[(rounds + 1) % len(points)]
                rows.append(
                    _notification_build(
                        intervention=intervention,
                        reason=NotificationReason.ESCALATED,
                        point=point,
                        now=now,
                        escalation_step=rounds + 1,
                    )
                )
            _record(
                intervention.pk,
                "notification.ack_overdue",
                {
                    "round": rounds + 1,
                    "assigned_at": intervention.assigned_at,
                    "channel": rows[0].channel if rows else "",
                },
            )
            _notifications_create(rows, intervention_id=intervention.pk, locked=intervention)
            _supervisors_warn(
                intervention=intervention,
                reason_text=f"Not acknowledged since {timezone.localtime(intervention.assigned_at):%H:%M}",
                now=now,
            )
            escalated += 1
    return escalated


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
