"""Reads: a stored calendar as the arithmetic's ``Calendar``, and the target a case runs on."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from time import monotonic
from typing import Any
from zoneinfo import ZoneInfo

import holidays
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from clocks import calendars
from clocks.choices import STOPPED_BY, CalendarKind
from clocks.models import Calendar, CaseType, Clock, Pause, Target
from clocks.readings import clock_read
from dispatch.models import Intervention
from routing.picking import as_datetime
from teams.selectors import team_codes_of_plants

# The stopping timestamps in the order the readers below select them (Metric's order).
_STOP_FIELDS = tuple(f"intervention__{field}" for field in STOPPED_BY.values())


def _stopped(metric: str, stops: tuple[datetime | None, ...]) -> datetime | None:
    """The timestamp that stops ``metric``'s clock, from the row's ``_STOP_FIELDS`` values."""
    return stops[list(STOPPED_BY).index(metric)]


def _running() -> Q:
    """Clocks whose case has not reached the timestamp that stops them."""
    condition = Q()
    for metric, field in STOPPED_BY.items():
        condition |= Q(metric=metric, **{f"intervention__{field}__isnull": True})
    return condition


def local_day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """[start of ``first``, start of the day after ``last``) in the centre's time zone."""
    zone = timezone.get_current_timezone()
    return (
        datetime.combine(first, time(0), tzinfo=zone),
        datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone),
    )


def calendar_of(calendar: Calendar) -> calendars.Calendar:
    """The stored calendar with its windows, its country's and subdivision's public holidays (the
    ``holidays`` library works out each year, Easter Monday and the patron saint included, when
    first asked) and its listed closed dates."""
    zone = ZoneInfo(calendar.time_zone)
    if calendar.kind == CalendarKind.ALWAYS:
        return calendars.Calendar(zone=zone, always=True)
    public = (
        holidays.country_holidays(calendar.holidays_country, subdiv=calendar.holidays_subdivision or None)
        if calendar.holidays_country
        else frozenset()
    )
    windows = tuple(
        calendars.Window(weekday=w.weekday, start=_wall(w.start), end=_wall(w.end))
        for w in calendar.windows.all()
    )
    listed = frozenset(calendar.closed_dates.values_list("date", flat=True))
    return calendars.Calendar(zone=zone, windows=windows, closed=calendars.ClosedDays(public, listed))


# Calendars change rarely and are read for every clock planned: built once per process for a
# minute (a supervisor's change reaches the other processes within it).
CALENDAR_SECONDS = 60
_calendars: dict[int, tuple[float, calendars.Calendar]] = {}


def calendar_cached(calendar_id: int) -> calendars.Calendar:
    now = monotonic()
    known = _calendars.get(calendar_id)
    if known is not None and now - known[0] < CALENDAR_SECONDS:
        return known[1]
    built = calendar_of(Calendar.objects.get(pk=calendar_id))
    _calendars[calendar_id] = (now, built)
    return built


def calendars_forget() -> None:
    _calendars.clear()


def _wall(value: time) -> time:
    return value.replace(tzinfo=None)


def target_for(
    *, case_type: CaseType, metric: str, priority: int | None, caller_class_id: int | None
) -> Target | None:
    """The most specific target: for the class and the priority, then the priority, then the
    class, then the case type's own."""
    found = list(
        Target.objects.filter(case_type=case_type, metric=metric)
        .filter(Q(priority=priority) | Q(priority__isnull=True))
        .filter(Q(caller_class_id=caller_class_id) | Q(caller_class__isnull=True))
        .select_related("calendar")
    )
    found.sort(key=lambda t: (t.priority is None, t.caller_class_id is None))
    return found[0] if found else None


@dataclass(frozen=True)
class CaseClock:
    metric: str
    state: str
    due_at: datetime
    stopped_at: datetime | None


def case_clocks(intervention_ids: Iterable[int], *, now: datetime) -> dict[int, list[CaseClock]]:
    """Each case's clocks as they read at ``now``, soonest due first: two queries for any
    number of cases (the due and amber instants are stored; no calendar is walked here)."""
    ids = list(intervention_ids)
    if not ids:
        return {}
    paused = dict(
        Pause.objects.filter(intervention_id__in=ids, ended_at__isnull=True)
        .order_by()
        .values_list("intervention_id", "started_at")
    )
    found: dict[int, list[CaseClock]] = {}
    rows = (
        Clock.objects.filter(intervention_id__in=ids)
        .order_by("due_at")
        .values_list("intervention_id", "metric", "due_at", "amber_at", *_STOP_FIELDS)
    )
    for intervention_id, metric, due_at, amber_at, *stops in rows:
        stopped = _stopped(metric, tuple(stops))
        reading = clock_read(
            due_at=due_at,
            amber_reached=now >= amber_at,
            stopped_at=stopped,
            paused_since=paused.get(intervention_id),
            now=now,
        )
        found.setdefault(intervention_id, []).append(CaseClock(metric, reading.state, due_at, stopped))
    return found


# Which clock a one-line view (a board row) shows: the most pressing one still running.
_URGENCY = {"breached": 0, "amber": 1, "running": 2, "paused": 3}


def clock_most_urgent(clocks: Iterable[CaseClock]) -> CaseClock | None:
    """Late first, then close to its target, running, paused; soonest due among equals. None
    when every clock is met (or the case has none)."""
    open_clocks = [clock for clock in clocks if clock.state in _URGENCY]
    if not open_clocks:
        return None
    return min(open_clocks, key=lambda clock: (_URGENCY[clock.state], clock.due_at))


@dataclass(frozen=True)
class LateClock:
    intervention_id: int
    plant: str
    metric: str
    due_at: datetime


def clocks_late(*, now: datetime, limit: int = 50) -> list[LateClock]:
    """Clocks past due on open cases that have not stopped (the supervisor's desk), most overdue
    first; a case paused before its clock fell due is not late."""
    rows = list(
        Clock.objects.filter(_running(), due_at__lt=now)
        .exclude(intervention__status__in=["closed", "cancelled"])
        .order_by("due_at")
        .values_list("intervention_id", "intervention__plant__code", "metric", "due_at")[: limit * 2]
    )
    paused = dict(
        Pause.objects.filter(intervention_id__in={row[0] for row in rows}, ended_at__isnull=True).values_list(
            "intervention_id", "started_at"
        )
    )
    late = [
        LateClock(pk, plant, metric, due_at)
        for pk, plant, metric, due_at in rows
        if paused.get(pk) is None or due_at < paused[pk]
    ]
    return late[:limit]


@dataclass(frozen=True)
class FigureRow:
    """How the clocks of one group did: met in time, late (met late, or past due and still
    running), still running in time; ``share`` of the decided ones met in time."""

    case_type: str
    metric: str
    priority: int
    caller_class: str
    team: str
    clocks: int
    met: int
    late: int
    running: int

    @property
    def share(self) -> float | None:
        decided = self.met + self.late
        return self.met / decided if decided else None


def clock_figures(
    *, interventions: QuerySet[Intervention], start: datetime, end: datetime, now: datetime
) -> list[FigureRow]:
    """Per case type, metric, priority, caller class and team (the one whose area covers the
    plant: ``teams.selectors.team_codes_of_plants``): the clocks started in [start, end) on the
    ``interventions`` given (a user's scope), computed from the stored instants and the cases'
    own timestamps, so the same figures come out whenever they are asked."""
    rows = list(
        Clock.objects.filter(intervention__in=interventions, started_at__gte=start, started_at__lt=end)
        .values_list(
            "intervention__case_file__case_type__code",
            "metric",
            "intervention__priority",
            "intervention__case_file__caller_class__code",
            "intervention__plant_id",
            "due_at",
            *_STOP_FIELDS,
        )
        .order_by()
    )
    team_of = team_codes_of_plants({row[4] for row in rows})
    counts: dict[tuple[str, str, int, str, str], list[int]] = {}
    for case_type, metric, priority, caller_class, plant_id, due_at, *stops in rows:
        stopped = _stopped(metric, tuple(stops))
        key = (case_type or "", metric, priority, caller_class or "", team_of.get(plant_id, ""))
        tally = counts.setdefault(key, [0, 0, 0])
        if stopped is not None:
            tally[0 if stopped <= due_at else 1] += 1
        else:
            tally[1 if now > due_at else 2] += 1
    return [
        FigureRow(*key, sum(tally), tally[0], tally[1], tally[2]) for key, tally in sorted(counts.items())
    ]


_PRESSING_SQL = """
SELECT c.intervention_id, c.metric, {due}, c.amber_at <= %s,
       (SELECT {since} FROM {pauses} p WHERE p.intervention_id = c.intervention_id
          AND p.ended_at IS NULL LIMIT 1)
FROM {clocks} c JOIN {interventions} i ON i.id = c.intervention_id
WHERE c.intervention_id {ids}
  AND ({running})
"""
_RUNNING_SQL = " OR ".join(
    f"(c.metric = '{metric}' AND i.{field} IS NULL)" for metric, field in STOPPED_BY.items()
)


def case_clocks_pressing(intervention_ids: Iterable[int], *, now: datetime) -> dict[int, CaseClock]:
    """Each case's most pressing clock still running (``clock_most_urgent``), for a one-line
    view: one statement over the clocks not yet stopped, each read with its due instant and its
    case's open pause. Plain SQL with the ids as one array on PostgreSQL: the board lists 200
    cases a refresh, and the ORM's form (200 bound ids, five instants a clock, the pauses apart)
    was a fifth of the refresh (benchmarks/bench_board.py)."""
    ids = list(intervention_ids)
    if not ids:
        return {}
    quote = connection.ops.quote_name
    params: list[Any]
    if connection.vendor == "postgresql":
        # Instants as seconds since the epoch: a float loads in C, a timestamptz through
        # Django's time-zone loader in Python (most of this read's cost).
        due_sql, since_sql = (
            "EXTRACT(EPOCH FROM c.due_at)::float8",
            "EXTRACT(EPOCH FROM p.started_at)::float8",
        )
        where_ids, params = "= ANY(%s)", [now, ids]
    else:
        due_sql, since_sql = "c.due_at", "p.started_at"
        where_ids, params = f"IN ({', '.join(['%s'] * len(ids))})", [now, *ids]
    sql = _PRESSING_SQL.format(
        due=due_sql,
        since=since_sql,
        pauses=quote(Pause._meta.db_table),
        clocks=quote(Clock._meta.db_table),
        interventions=quote(Intervention._meta.db_table),
        ids=where_ids,
        running=_RUNNING_SQL,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    found: dict[int, list[CaseClock]] = {}
    for intervention_id, metric, due_value, amber_now, since_value in rows:
        due_at, since = _instant(due_value), _instant(since_value)
        if due_at is None:
            continue
        reading = clock_read(
            due_at=due_at, amber_reached=bool(amber_now), stopped_at=None, paused_since=since, now=now
        )
        found.setdefault(intervention_id, []).append(CaseClock(metric, reading.state, due_at, None))
    return {pk: clock for pk, clocks in found.items() if (clock := clock_most_urgent(clocks)) is not None}


def _instant(value: object) -> datetime | None:
    if isinstance(value, float):
        return datetime.fromtimestamp(value, UTC)
    return as_datetime(value)
