"""The router's reads: the wallboard's figures, the abandoned calls to call back, operators."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Count, DurationField, Exists, ExpressionWrapper, F, Min, OuterRef, Q, QuerySet
from django.utils import timezone

from dispatch.models import Callback
from routing.choices import OperatorState, RouteState
from routing.models import CallRoute, OperatorProfile, Queue

# The regulator's and the contracts' usual yardstick: answered within 120 s (docs/DOMAIN.md).
ANSWER_TARGET_SECONDS = 120
WAITING_STATES = (RouteState.QUEUED, RouteState.RESERVED)


def day_start(now: datetime) -> datetime:
    return timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class QueueFigures:
    queue_id: int | None
    name: str
    waiting: int
    longest_wait_seconds: int


@dataclass(frozen=True)
class LineFigures:
    line: str
    offered: int
    answered: int
    answered_in_target: int

    @property
    def share_in_target(self) -> float | None:
        return self.answered_in_target / self.offered if self.offered else None


@dataclass(frozen=True)
class Wallboard:
    at: datetime
    queues: list[QueueFigures]
    states: dict[str, int]
    operators: list[OperatorProfile]
    lines: list[LineFigures]
    abandoned_today: int
    answered_today: int


def queue_figures(*, now: datetime) -> list[QueueFigures]:
    rows = (
        CallRoute.objects.filter(state__in=WAITING_STATES)
        .values("queue_id")
        .annotate(waiting=Count("pk"), oldest=Min("enqueued_at"))
    )
    names: dict[int | None, str] = dict(Queue.objects.values_list("pk", "name"))
    by_queue: dict[int | None, Any] = {row["queue_id"]: row for row in rows}
    figures = []
    for queue_id in [*names, *([None] if None in by_queue else [])]:
        row = by_queue.get(queue_id)
        oldest = row["oldest"] if row else None
        figures.append(
            QueueFigures(
                queue_id=queue_id,
                name=names.get(queue_id, "—") if queue_id is not None else "—",
                waiting=row["waiting"] if row else 0,
                longest_wait_seconds=max(0, round((now - oldest).total_seconds())) if oldest else 0,
            )
        )
    return figures


def operator_state_counts(*, now: datetime) -> dict[str, int]:
    counts = {state: 0 for state in OperatorState.values}
    for profile in OperatorProfile.objects.filter(user__is_active=True).only("state", "wrap_up_until"):
        state = profile.state
        if (
            state == OperatorState.WRAP_UP
            and profile.wrap_up_until is not None
            and profile.wrap_up_until <= now
        ):
            state = OperatorState.AVAILABLE
        counts[state] += 1
    return counts


def line_figures(*, since: datetime) -> list[LineFigures]:
    """Per line, today's calls that reached the queue (not forwarded), answered, and answered
    within the target counted from arrival."""
    waited = ExpressionWrapper(F("connected_at") - F("arrived_at"), output_field=DurationField())
    rows = (
        CallRoute.objects.filter(arrived_at__gte=since)
        .exclude(state=RouteState.FORWARDED)
        .annotate(waited=waited)
        .values("call__line")
        .annotate(
            offered=Count("pk"),
            answered=Count("pk", filter=Q(connected_at__isnull=False)),
            in_target=Count(
                "pk",
                filter=Q(connected_at__isnull=False, waited__lte=timedelta(seconds=ANSWER_TARGET_SECONDS)),
            ),
        )
        .order_by("call__line")
    )
    return [
        LineFigures(
            line=row["call__line"] or "—",
            offered=row["offered"],
            answered=row["answered"],
            answered_in_target=row["in_target"],
        )
        for row in rows
    ]


def wallboard(*, now: datetime | None = None) -> Wallboard:
    now = now or timezone.now()
    since = day_start(now)
    lines = line_figures(since=since)
    return Wallboard(
        at=now,
        queues=queue_figures(now=now),
        states=operator_state_counts(now=now),
        operators=list(
            OperatorProfile.objects.filter(user__is_active=True)
            .exclude(state=OperatorState.SIGNED_OFF)
            .select_related("user", "team")
            .order_by("state", "user__username")
        ),
        lines=lines,
        abandoned_today=CallRoute.objects.filter(state=RouteState.ABANDONED, finished_at__gte=since).count(),
        answered_today=sum(line.answered for line in lines),
    )


def abandoned_calls(*, since: datetime, until: datetime | None = None) -> QuerySet[CallRoute]:
    """Callers who hung up while waiting (from ``since``, before ``until`` if given), newest
    first, each with whether a callback is already scheduled or made for their call
    (``has_callback``)."""
    callbacks = Callback.objects.filter(call_id=OuterRef("call_id"))
    routes = CallRoute.objects.filter(state=RouteState.ABANDONED, finished_at__gte=since)
    if until is not None:
        routes = routes.filter(finished_at__lt=until)
    return (
        routes.select_related("call", "caller_class", "queue")
        .annotate(has_callback=Exists(callbacks))
        .order_by("-finished_at")
    )


def route_wait_seconds(route: CallRoute) -> int:
    end = route.connected_at or route.finished_at or timezone.now()
    return max(0, round((end - route.arrived_at).total_seconds()))


def operator_profile_get(user: AbstractBaseUser) -> OperatorProfile | None:
    """The user's profile as it is, or None: reading never makes one (``operator_profile_for``
    does, on the first change of state)."""
    return OperatorProfile.objects.filter(user_id=user.pk).first()
