"""Caller satisfaction's reads: the complaints (supervisors), and the figures of the
satisfaction report: response rate and score distribution per operator, line and month. Test
calls are left out of every figure."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from dispatch.choices import Role
from dispatch.roles import has_role

from .choices import ComplaintStatus
from .models import Complaint, SurveyRequest

SCORES = (1, 2, 3, 4, 5)


def _supervisor(user: Any) -> bool:
    return bool(has_role(user, Role.SUPERVISOR))


def complaint_list_for_user(*, user: Any, status: str | None = None) -> QuerySet[Complaint]:
    """The complaints a user may see, newest first: every one for a supervisor, none otherwise
    (pages and endpoints refuse other roles with 403 before asking)."""
    rows = Complaint.objects.select_related("call", "call__operator", "handled_by").order_by(
        "-opened_at", "-pk"
    )
    if not _supervisor(user):
        return rows.none()
    if status in ComplaintStatus.values:
        rows = rows.filter(status=status)
    return rows


def complaint_get_for_user(*, user: Any, pk: int) -> Complaint:
    row = complaint_list_for_user(user=user).filter(pk=pk).first()
    if row is None:
        raise Http404
    return row


@dataclass
class Tally:
    """One row of the report: surveys sent, answered, and how many of each score."""

    label: str
    sent: int = 0
    answered: int = 0
    scores: dict[int, int] = field(default_factory=lambda: dict.fromkeys(SCORES, 0))

    @property
    def rate(self) -> float | None:
        return round(100.0 * self.answered / self.sent, 1) if self.sent else None

    @property
    def average(self) -> float | None:
        total = sum(score * n for score, n in self.scores.items())
        return round(total / self.answered, 2) if self.answered else None

    @property
    def distribution(self) -> list[int]:
        return [self.scores[score] for score in SCORES]

    def add(self, score: int | None) -> None:
        self.sent += 1
        if score is not None:
            self.answered += 1
            self.scores[score] += 1


@dataclass
class Satisfaction:
    total: Tally
    operators: list[Tally]
    lines: list[Tally]


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """A calendar month in local time (a report's months start at local midnight)."""
    start = month.replace(day=1)
    following = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    zone = timezone.get_current_timezone()
    return (
        timezone.make_aware(datetime.combine(start, time.min), zone),
        timezone.make_aware(datetime.combine(following, time.min), zone),
    )


def _surveys(start: datetime, end: datetime) -> QuerySet[SurveyRequest]:
    return SurveyRequest.objects.filter(sent_at__gte=start, sent_at__lt=end, call__is_test=False)


def satisfaction_for_month(*, month: date) -> Satisfaction:
    """The month's surveys (by when they were texted): in all, per operator who took the call,
    per line that received it."""
    start, end = month_bounds(month)
    rows = _surveys(start, end).values_list("score", "call__operator_id", "call__line")
    total = Tally(label="")
    operators: dict[int | None, Tally] = {}
    lines: dict[str, Tally] = {}
    names = {
        user.pk: user.get_full_name() or user.get_username()
        for user in get_user_model().objects.filter(pk__in={operator for _s, operator, _l in rows} - {None})
    }
    for score, operator, line in rows:
        total.add(score)
        operators.setdefault(operator, Tally(label=names.get(operator, "—") if operator else "—")).add(score)
        lines.setdefault(line or "", Tally(label=line or "—")).add(score)
    return Satisfaction(
        total=total,
        operators=sorted(operators.values(), key=lambda t: t.label),
        lines=sorted(lines.values(), key=lambda t: t.label),
    )


def satisfaction_by_month(*, last: date, months: int = 12) -> list[tuple[date, Tally]]:
    """The ``months`` months up to ``last``, oldest first, each in all."""
    firsts: list[date] = []
    year, month = last.year, last.month
    for _n in range(months):
        firsts.append(date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    firsts.reverse()
    result = []
    for first in firsts:
        start, end = month_bounds(first)
        tally = Tally(label=first.strftime("%Y-%m"))
        for score in _surveys(start, end).values_list("score", flat=True):
            tally.add(score)
        result.append((first, tally))
    return result
