"""Reads of the shifts: a team's month, who is on shift at an instant, and coverage per hour
against each line's minimum. Every read takes real instants; days and hours are local
(``shifts.wallclock``)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import holidays
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Q, QuerySet

from dispatch.choices import Role
from dispatch.roles import AnyUser, has_role
from routing.models import Line
from teams.choices import MemberRole
from teams.models import Team, TeamMembership

from .models import LineCoverageMinimum, Shift
from .wallclock import day_bounds, hours_between, local, month_days

# A shift counts in an hour of coverage when it covers at least this much of it.
COUNTS_IN_HOUR = timedelta(minutes=30)


def teams_visible_to(*, user: AnyUser) -> QuerySet[Team]:
    """Supervisors read every team's roster; an operator their own teams' and those they lead."""
    if has_role(user, Role.SUPERVISOR):
        return Team.objects.all()
    if user is None or not user.is_authenticated:
        return Team.objects.none()
    return Team.objects.filter(Q(memberships__user_id=user.pk) | Q(leader_id=user.pk)).distinct()


def shifts_visible_to(*, user: AnyUser) -> QuerySet[Shift]:
    if has_role(user, Role.SUPERVISOR):
        return Shift.objects.all()
    if user is None or not user.is_authenticated:
        return Shift.objects.none()
    return Shift.objects.filter(Q(team__in=teams_visible_to(user=user)) | Q(user_id=user.pk))


def shift_get_for_user(*, user: AnyUser, pk: int) -> Shift:
    """The shift ``pk`` if ``user`` may read it; ``Shift.DoesNotExist`` otherwise."""
    return shifts_visible_to(user=user).select_related("user", "team").get(pk=pk)


@dataclass
class RosterRow:
    user: AbstractBaseUser
    cells: list[list[Shift]]


@dataclass
class Roster:
    team: Team
    days: list[date]
    rows: list[RosterRow]


def roster(*, team: Team, year: int, month: int) -> Roster:
    """The team's month as a grid: one row per operator member (and anyone else with a shift of
    the team that month), one cell per local day holding the shifts that start on it. Two queries."""
    days = month_days(year, month)
    shifts = list(
        Shift.objects.filter(team=team, day__gte=days[0], day__lte=days[-1])
        .select_related("user")
        .prefetch_related("lines")
        .order_by("starts_at")
    )
    members = [
        m.user
        for m in TeamMembership.objects.filter(team=team, role=MemberRole.OPERATOR, user__is_active=True)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username")
    ]
    known = {user.pk for user in members}
    for shift in shifts:
        if shift.user_id not in known:
            members.append(shift.user)
            known.add(shift.user_id)
    column = {day: n for n, day in enumerate(days)}
    rows = {user.pk: RosterRow(user=user, cells=[[] for _day in days]) for user in members}
    for shift in shifts:
        rows[shift.user_id].cells[column[shift.day]].append(shift)
    return Roster(team=team, days=days, rows=list(rows.values()))


def public_holidays(days: list[date]) -> dict[date, str]:
    """The centre's public holidays among ``days`` (settings ``PRONTO_HOLIDAYS_*``), by name: the
    roster marks them; shifts run on them as on any other day."""
    if not days:
        return {}
    calendar = holidays.country_holidays(
        settings.PRONTO_HOLIDAYS_COUNTRY,
        subdiv=settings.PRONTO_HOLIDAYS_SUBDIVISION or None,
        years=sorted({day.year for day in days}),
    )
    return {day: str(calendar[day]) for day in days if day in calendar}


def on_shift_now(*, at: datetime, team: Team | None = None, line: Line | None = None) -> list[Shift]:
    """The shifts running at ``at`` (started at or before it, ending after it): a night shift
    begun yesterday at 19:00 is on at 02:00 today. ``line``: shifts that cover it (theirs, or
    every line). One query, two with the lines."""
    rows = Shift.objects.filter(starts_at__lte=at, ends_at__gt=at)
    if team is not None:
        rows = rows.filter(team=team)
    if line is not None:
        rows = rows.filter(Q(lines=line) | Q(lines__isnull=True))
    return list(
        rows.select_related("user", "team").prefetch_related("lines").order_by("team__name", "starts_at")
    )


@dataclass
class LineHour:
    line: Line
    need: int
    who: list[str] = field(default_factory=list)

    @property
    def have(self) -> int:
        return len(self.who)

    @property
    def short(self) -> bool:
        return self.have < self.need


@dataclass
class HourCoverage:
    start: datetime
    local_start: datetime
    who: list[str]
    lines: list[LineHour]

    @property
    def count(self) -> int:
        return len(self.who)


@dataclass(frozen=True)
class Gap:
    start: datetime
    local_start: datetime
    line: Line
    have: int
    need: int
    who: tuple[str, ...]


@dataclass
class Coverage:
    hours: list[HourCoverage]
    gaps: list[Gap]


def _name(user_id: int, username: str, first: str, last: str) -> str:
    full = f"{first} {last}".strip()
    return full or username


def coverage_by_hour(*, date_from: date, date_to: date, line: Line | None = None) -> Coverage:
    """For each real hour of the local days ``date_from`` to ``date_to`` (23 on the spring
    change's day, 25 on the autumn's): who is on shift (covering at least half of the hour), and
    for each line with a minimum (or ``line`` alone) how many of them cover it against the
    highest minimum for that weekday and hour. The gaps are the hours and lines below it. A shift
    with no lines covers every line. Three queries, whatever the span."""
    start, end = day_bounds(date_from, date_to)
    hours = hours_between(date_from, date_to)
    shifts = list(
        Shift.objects.filter(starts_at__lt=end, ends_at__gt=start).values_list(
            "pk", "user_id", "user__username", "user__first_name", "user__last_name", "starts_at", "ends_at"
        )
    )
    lines_of: dict[int, set[int]] = defaultdict(set)
    through = Shift.lines.through.objects.filter(shift__starts_at__lt=end, shift__ends_at__gt=start)
    for shift_id, line_id in through.values_list("shift_id", "line_id"):
        lines_of[shift_id].add(line_id)
    minimums = LineCoverageMinimum.objects.select_related("line")
    if line is not None:
        minimums = minimums.filter(line=line)
    rules = list(minimums)
    lines = {rule.line_id: rule.line for rule in rules}
    if line is not None:
        lines.setdefault(line.pk, line)
    table = []
    for instant in hours:
        at = local(instant)
        needs = {line_id: 0 for line_id in lines}
        for rule in rules:
            if rule.applies(at.weekday(), at.hour):
                needs[rule.line_id] = max(needs[rule.line_id], rule.minimum)
        table.append(
            HourCoverage(
                start=instant,
                local_start=at,
                who=[],
                lines=[LineHour(line=lines[line_id], need=need) for line_id, need in needs.items()],
            )
        )
    for shift_id, user_id, username, first, last, starts_at, ends_at in shifts:
        name = _name(user_id, username, first, last)
        first_hour = max(0, int((starts_at - start).total_seconds() // 3600))
        last_hour = min(len(hours), int((ends_at - start).total_seconds() // 3600) + 1)
        for n in range(first_hour, last_hour):
            hour_start = hours[n]
            covered = min(ends_at, hour_start + timedelta(hours=1)) - max(starts_at, hour_start)
            if covered < COUNTS_IN_HOUR:
                continue
            row = table[n]
            row.who.append(name)
            for line_hour in row.lines:
                if not lines_of[shift_id] or line_hour.line.pk in lines_of[shift_id]:
                    line_hour.who.append(name)
    gaps = [
        Gap(
            start=row.start,
            local_start=row.local_start,
            line=lh.line,
            have=lh.have,
            need=lh.need,
            who=tuple(lh.who),
        )
        for row in table
        for lh in row.lines
        if lh.short
    ]
    return Coverage(hours=table, gaps=gaps)
