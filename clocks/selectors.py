"""Reads: a stored calendar as the arithmetic's ``Calendar``, and the target a case runs on."""

from __future__ import annotations

from datetime import time
from zoneinfo import ZoneInfo

import holidays
from django.db.models import Q

from clocks import calendars
from clocks.choices import CalendarKind
from clocks.models import Calendar, CaseType, Target


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
