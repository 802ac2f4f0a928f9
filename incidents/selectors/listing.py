"""The incidents as the API lists them for a user, and what went out for each update.

Every read here goes through the access layer (``dispatch.access.restrict``): a utility user
sees its own customer's incidents, another customer's is 404 like a row that does not exist."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from dispatch.access import found_or_404, restrict
from incidents.models import IncidentDelivery, IncidentMember, IncidentUpdate, MajorIncident
from notifications.choices import NotificationStatus


def incident_list_for_user(*, user: Any, state: str | None = None) -> QuerySet[MajorIncident]:
    """The incidents ``user`` may see (of ``state`` when given), newest first, with their node
    and customer."""
    incidents = MajorIncident.objects.select_related("node", "customer")
    if state:
        incidents = incidents.filter(state=state)
    return restrict(incidents, user).order_by("-declared_at", "-pk")


def incident_get_for_user(*, user: Any, pk: int) -> MajorIncident:
    """One incident ``user`` may see; 404 otherwise (another customer's, for a utility user)."""
    return found_or_404(incident_list_for_user(user=user), pk)


def incident_updates(*, incident: MajorIncident) -> list[IncidentUpdate]:
    return list(IncidentUpdate.objects.filter(incident=incident).order_by("position"))


def incident_member_counts(*, incident: MajorIncident, user: Any) -> dict[str, int]:
    """How many calls, alarms and interventions are attached, of those ``user`` may see."""
    members = restrict(IncidentMember.objects.filter(incident=incident), user)
    return members.aggregate(
        calls=Count("pk", filter=Q(call__isnull=False)),
        alarms=Count("pk", filter=Q(alarm__isnull=False)),
        interventions=Count("pk", filter=Q(intervention__isnull=False)),
    )


def update_delivery_counts(*, incident: MajorIncident) -> list[dict[str, Any]]:
    """Per update of ``incident``, in order: its outbox rows counted by channel and by status
    (every status named, zero included). One query for the counts."""
    rows = (
        IncidentDelivery.objects.filter(update__incident=incident)
        .values("update_id", "notification__channel", "notification__status")
        .annotate(n=Count("pk"))
    )
    counts: dict[int, dict[str, Any]] = {}
    for row in rows:
        entry = counts.setdefault(row["update_id"], {"sms": 0, "email": 0, "by_status": {}})
        entry[row["notification__channel"]] = entry.get(row["notification__channel"], 0) + row["n"]
        by_status = entry["by_status"]
        by_status[row["notification__status"]] = by_status.get(row["notification__status"], 0) + row["n"]
    result = []
    for update in incident_updates(incident=incident):
        entry = counts.get(update.pk, {"sms": 0, "email": 0, "by_status": {}})
        result.append(
            {
                "id": update.pk,
                "position": update.position,
                "kind": update.kind,
                "at": update.at,
                "total": entry["sms"] + entry["email"],
                "sms": entry["sms"],
                "email": entry["email"],
                "by_status": {
                    status: entry["by_status"].get(status, 0) for status in NotificationStatus.values
                },
            }
        )
    return result
