"""Shifts are set on the local wall clock (Europe/Rome, settings.TIME_ZONE) and stored as real
instants. The rules, in one place:

- A shift starts at a local time on a local day and lasts a number of wall-clock minutes: a
  19:00 start for 12 hours ends at 07:00 on the next day's wall clock, whatever the clocks did
  in between. So the night the clocks go back (last Sunday of October) it is 13 real hours long,
  the night they go forward (last Sunday of March) 11.
- A wall-clock time the spring change skips (02:30 on that Sunday) is read with the offset
  before the change, i.e. one hour later on the new clock (03:30); one the autumn change repeats
  is its first occurrence (summer time).
- An hour of coverage is a real hour starting at a local hour's start: a local day has 24 of
  them, 23 on the spring change's day and 25 on the autumn's.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo

from django.utils import timezone


def local_zone() -> tzinfo:
    return timezone.get_default_timezone()


def wall_instant(day: date, at: time) -> datetime:
    """The instant the local wall clock reads ``at`` on ``day`` (fold 0: see the module's rules)."""
    naive = datetime.combine(day, at)
    # Through UTC, so that a skipped time lands after the change rather than before it.
    return naive.replace(tzinfo=local_zone()).astimezone(UTC)


def wall_span(day: date, start: time, length_minutes: int) -> tuple[datetime, datetime]:
    """Start and end instants of a block of ``length_minutes`` wall-clock minutes from
    ``start`` on ``day``."""
    begin = datetime.combine(day, start)
    end = begin + timedelta(minutes=length_minutes)
    return wall_instant(begin.date(), begin.time()), wall_instant(end.date(), end.time())


def wall_span_until(day: date, start: time, end: time) -> tuple[datetime, datetime]:
    """A block from ``start`` to ``end`` on the wall clock; an end not after the start is on the
    next day (a night shift)."""
    minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    if minutes <= 0:
        minutes += 24 * 60
    return wall_span(day, start, minutes)


def day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """From the local midnight that starts ``first`` to the one that ends ``last``."""
    return wall_instant(first, time(0)), wall_instant(last + timedelta(days=1), time(0))


def hours_between(first: date, last: date) -> list[datetime]:
    """The real hours of the local days ``first`` to ``last``, each as its starting instant
    (UTC): 24 a day, 23 on the day summer time starts, 25 on the day it ends."""
    start, end = day_bounds(first, last)
    count = int((end - start).total_seconds() // 3600)
    return [start + timedelta(hours=n) for n in range(count)]


def local(instant: datetime) -> datetime:
    return timezone.localtime(instant, local_zone())


def month_days(year: int, month: int) -> list[date]:
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return [first + timedelta(days=n) for n in range((following - first).days)]
