"""Working time on a calendar: how much of a span counts, and when a target falls due.

A service-level clock runs on a calendar: around the clock (emergencies: the regulator's 60
minutes are 60 real minutes), or in working hours (weekday windows in the centre's time zone,
closed on public holidays and the local patron saint, or on dates a custom calendar lists).
Pauses (waiting for the customer, for parts, for access) stop it.

Everything here is plain arithmetic on aware datetimes; the instants given and returned are
aware (any zone), the windows are local wall-clock times in the calendar's zone. A window may
cross midnight (22:00-06:00 belongs to the day it starts, and a holiday closes the window that
starts on it). Across the daylight-saving changes a window lasts what the wall clock says: the
night window of the last Sunday of March is 7 real hours, of the last Sunday of October 9.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# How far a deadline is looked for: a calendar open less than this often is a setup error.
HORIZON_DAYS = 800


class CalendarNeverOpen(ValueError):
    """The calendar has no open time within the horizon: a target on it never falls due."""


@dataclass(frozen=True)
class Window:
    """Open from ``start`` to ``end`` (local wall clock) on ``weekday`` (0 = Monday); an ``end``
    at or before ``start`` is on the next day (a night window)."""

    weekday: int
    start: time
    end: time

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday {self.weekday} is not 0 (Monday) to 6 (Sunday)")

    @property
    def crosses_midnight(self) -> bool:
        return self.end <= self.start


@dataclass(frozen=True)
class ClosedDays:
    """Public holidays (a ``holidays`` calendar, or any container of dates) and listed dates."""

    public: Container[date] = field(default_factory=frozenset)
    listed: frozenset[date] = field(default_factory=frozenset)

    def __contains__(self, day: object) -> bool:
        return day in self.listed or day in self.public


@dataclass(frozen=True)
class Calendar:
    """When a clock runs. ``always``: every instant (24/7). Otherwise the ``windows`` of each
    weekday, except on ``closed`` dates (public holidays, the patron saint, custom closures)."""

    zone: ZoneInfo
    always: bool = False
    windows: tuple[Window, ...] = ()
    # Anything that answers ``day in closed``: a set, or a ``holidays`` calendar (which works out
    # each year's dates, Easter Monday included, when first asked).
    closed: Container[date] = field(default_factory=frozenset)

    def windows_on(self, day: date) -> Iterator[tuple[datetime, datetime]]:
        """The open spans that start on local ``day``, as aware instants (UTC)."""
        if day in self.closed:
            return
        for window in self.windows:
            if window.weekday != day.weekday():
                continue
            end_day = day + timedelta(days=1) if window.crosses_midnight else day
            yield _instant(day, window.start, self.zone), _instant(end_day, window.end, self.zone)


def _instant(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """A local wall-clock time as an instant. A time the spring change skips is read with the
    offset before the change (02:30 on the last Sunday of March is 03:30 summer time); one the
    autumn change repeats is its first occurrence (Python's ``fold=0``)."""
    return datetime.combine(day, wall, tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True)
class Span:
    """A stretch of time, [start, end): a pause, or an open window. Aware instants."""

    start: datetime
    end: datetime


def open_spans(calendar: Calendar, start: datetime, end: datetime) -> Iterator[Span]:
    """The calendar's open time within [start, end), in order, as disjoint spans (in UTC:
    Python subtracts two datetimes of one zone on their wall clocks, DST ignored)."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if end <= start:
        return
    if calendar.always:
        yield Span(start, end)
        return
    day = start.astimezone(calendar.zone).date() - timedelta(days=1)
    last = end.astimezone(calendar.zone).date()
    pieces: list[Span] = []
    while day <= last:
        for opens, closes in calendar.windows_on(day):
            low, high = max(opens, start), min(closes, end)
            if low < high:
                pieces.append(Span(low, high))
        day += timedelta(days=1)
    yield from _merged(pieces)


def _merged(spans: Iterable[Span]) -> Iterator[Span]:
    current: Span | None = None
    for span in sorted(spans, key=lambda s: s.start):
        if current is not None and span.start <= current.end:
            current = Span(current.start, max(current.end, span.end))
            continue
        if current is not None:
            yield current
        current = span
    if current is not None:
        yield current


def _without(spans: Iterable[Span], pauses: Sequence[Span]) -> Iterator[Span]:
    """``spans`` minus the paused time (pauses may overlap each other and run open-ended up to
    any instant: the caller passes a resumed-or-now end)."""
    cuts = list(
        _merged(Span(p.start.astimezone(UTC), p.end.astimezone(UTC)) for p in pauses if p.start < p.end)
    )
    for span in spans:
        start = span.start
        for cut in cuts:
            if cut.end <= start or cut.start >= span.end:
                continue
            if cut.start > start:
                yield Span(start, cut.start)
            start = max(start, cut.end)
            if start >= span.end:
                break
        if start < span.end:
            yield Span(start, span.end)


def working_seconds(
    calendar: Calendar, start: datetime, end: datetime, *, pauses: Sequence[Span] = ()
) -> float:
    """Seconds the clock ran between ``start`` and ``end``: open on the calendar, not paused."""
    return sum((s.end - s.start).total_seconds() for s in _without(open_spans(calendar, start, end), pauses))


def deadline_after(
    calendar: Calendar, start: datetime, seconds: float, *, pauses: Sequence[Span] = ()
) -> datetime:
    """The instant at which the clock started at ``start`` has run ``seconds``: open time on the
    calendar, paused time not counted. Raises CalendarNeverOpen when it never gets there."""
    left = seconds
    if left <= 0:
        return start
    start = start.astimezone(UTC)
    horizon = start + timedelta(days=HORIZON_DAYS)
    step_start = start
    while step_start < horizon:
        # A week at a time keeps the work per call small for working-hours calendars.
        step_end = min(step_start + timedelta(days=7), horizon)
        for span in _without(open_spans(calendar, step_start, step_end), pauses):
            length = (span.end - span.start).total_seconds()
            if length >= left:
                return span.start + timedelta(seconds=left)
            left -= length
        step_start = step_end
    raise CalendarNeverOpen(f"no {seconds:.0f} s of open time within {HORIZON_DAYS} days of {start}")


def working_days_deadline(
    calendar: Calendar, start: datetime, days: int, *, pauses: Sequence[Span] = ()
) -> datetime:
    """A target in working days: due at the same local time ``days`` open days later (a case
    opened Friday 15:00 with 2 working days is due Tuesday 15:00); opened outside the hours, the
    count starts at the next opening. Pauses push it back by the open time they took."""
    if days <= 0:
        return start
    if calendar.always:
        return deadline_after(calendar, start, days * 86400.0, pauses=pauses)
    first = next(_spans_from(calendar, start), None)
    if first is None:
        raise CalendarNeverOpen(f"no open time within {HORIZON_DAYS} days of {start}")
    begin = max(start, first.start)
    local = begin.astimezone(calendar.zone)
    wall, day, counted = local.timetz().replace(tzinfo=None), local.date(), 0
    horizon = day + timedelta(days=HORIZON_DAYS)
    while counted < days:
        day += timedelta(days=1)
        if day > horizon:
            raise CalendarNeverOpen(f"no {days} working days within {HORIZON_DAYS} days of {start}")
        if any(True for _ in calendar.windows_on(day)):
            counted += 1
    due = _instant(day, wall, calendar.zone)
    # The same local time may fall outside that day's hours (opened at 16:30 in a window that
    # ends earlier on Fridays): the open time up to it is what the clock must run.
    target = working_seconds(calendar, begin, due)
    return deadline_after(calendar, begin, target, pauses=pauses)


def _spans_from(calendar: Calendar, start: datetime) -> Iterator[Span]:
    step = start
    horizon = start + timedelta(days=HORIZON_DAYS)
    while step < horizon:
        step_end = min(step + timedelta(days=7), horizon)
        yield from open_spans(calendar, step, step_end)
        step = step_end


def is_open(calendar: Calendar, at: datetime) -> bool:
    return any(True for _ in open_spans(calendar, at, at + timedelta(microseconds=1)))
