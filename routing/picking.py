"""Which operators may take a route's call, and who of them goes first.

Able: free (available, or past their wrap-up), enabled for the call's line (no lines listed:
every line), holding every skill of the call's queue, with a phone to ring. First: the VIP's
personal manager or the operator who knows the caller's open case, then that operator's team,
then whoever has been idle longest. The pick locks the operator's row and skips rows another
decision holds (``SKIP LOCKED`` on PostgreSQL), so two calls never get one operator.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet

from routing.catalogue import catalogue
from routing.choices import OperatorState
from routing.models import CallRoute, OperatorProfile, Queue


def operators_free(*, at: datetime) -> QuerySet[OperatorProfile]:
    return OperatorProfile.objects.filter(
        Q(state=OperatorState.AVAILABLE) | Q(state=OperatorState.WRAP_UP, wrap_up_until__lte=at),
        user__is_active=True,
    ).exclude(sip_uri="", extension="")


def operators_enabled(profiles: QuerySet[OperatorProfile], *, line: str) -> QuerySet[OperatorProfile]:
    """Enabled for ``line``: operators with no lines listed take every line."""
    line_links = OperatorProfile.lines.through.objects.filter(operatorprofile_id=OuterRef("pk"))
    on_line = line_links.filter(line__number=line)
    if not line or line not in catalogue().lines:
        return profiles
    return profiles.filter(~Exists(line_links) | Exists(on_line))


def operators_skilled(
    profiles: QuerySet[OperatorProfile], *, queue: Queue | None
) -> QuerySet[OperatorProfile]:
    if queue is None:
        return profiles
    skill_links = OperatorProfile.skills.through.objects.filter(operatorprofile_id=OuterRef("pk"))
    for skill_id in catalogue().queue_skills.get(queue.pk, ()):
        profiles = profiles.filter(Exists(skill_links.filter(skill_id=skill_id)))
    return profiles


def _lock_first(profiles: QuerySet[OperatorProfile]) -> OperatorProfile | None:
    return (
        profiles.select_for_update(skip_locked=True, of=("self",))
        .order_by("idle_since", "pk")
        .select_related("user")
        .first()
    )


def operator_pick(route: CallRoute, *, at: datetime) -> OperatorProfile | None:
    """Lock and return the operator to offer ``route``'s call to, or None (it waits)."""
    free = operators_enabled(operators_free(at=at), line=route.call.line)
    if route.preferred_id is not None:
        # The personal manager / the case's operator: their relationship outweighs the queue's skills.
        chosen = _lock_first(free.filter(pk=route.preferred_id))
        if chosen is not None:
            return chosen
    able = operators_skilled(free, queue=route.queue)
    if route.preferred_team_id is not None:
        chosen = _lock_first(able.filter(team_id=route.preferred_team_id))
        if chosen is not None:
            return chosen
    return _lock_first(able)
