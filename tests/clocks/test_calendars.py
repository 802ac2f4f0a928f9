"""Clock arithmetic: open time on 24/7 and working-hours calendars, public holidays (Easter
Monday, a province's patron saint), pauses, both daylight-saving changes and windows that cross
midnight. Instants are written in Rome's wall-clock time."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import holidays
import pytest

from clocks.calendars import (
    Calendar,
    CalendarNeverOpen,
    ClosedDays,
    Span,
    Window,
    deadline_after,
    is_open,
    working_days_deadline,
    working_seconds,
)

ROME = ZoneInfo("Europe/Rome")
HOUR = 3600.0


def rome(*args: int) -> datetime:
    return datetime(*args, tzinfo=ROME)


def office(closed=frozenset(), days=range(5), start=time(8, 30), end=time(17, 30)) -> Calendar:
    return Calendar(zone=ROME, windows=tuple(Window(d, start, end) for d in days), closed=closed)


ALWAYS = Calendar(zone=ROME, always=True)
ITALY = holidays.country_holidays("IT")
MILAN = holidays.country_holidays("IT", subdiv="MI")


def test_around_the_clock_counts_real_time_across_both_daylight_saving_changes():
    # 29 March 2026: 02:00 becomes 03:00 (the night is an hour short); 25 October: 03:00 is 02:00 again.
    assert working_seconds(ALWAYS, rome(2026, 3, 29, 0), rome(2026, 3, 29, 4)) == 3 * HOUR
    assert working_seconds(ALWAYS, rome(2026, 10, 25, 0), rome(2026, 10, 25, 4)) == 5 * HOUR
    # The regulator's 60 minutes from a call at 01:30 on the spring night end at 03:30 summer time.
    assert deadline_after(ALWAYS, rome(2026, 3, 29, 1, 30), 60 * 60) == rome(2026, 3, 29, 3, 30)


def test_office_hours_run_only_when_open():
    calendar = office()
    friday = rome(2026, 11, 27, 15)
    # Friday 15:00-17:30 is 150 minutes, the weekend nothing, Monday 08:30 the rest.
    assert deadline_after(calendar, friday, 240 * 60) == rome(2026, 11, 30, 10)
    assert working_seconds(calendar, friday, rome(2026, 11, 30, 10)) == 4 * HOUR
    assert working_seconds(calendar, rome(2026, 11, 28, 9), rome(2026, 11, 29, 20)) == 0
    assert is_open(calendar, rome(2026, 11, 30, 8, 30)) and not is_open(calendar, rome(2026, 11, 30, 17, 30))
    # Started outside the hours: the clock starts at the next opening.
    assert deadline_after(calendar, rome(2026, 11, 28, 12), 30 * 60) == rome(2026, 11, 30, 9)


def test_easter_monday_is_closed_good_friday_is_not():
    calendar = office(closed=ClosedDays(ITALY))
    thursday = rome(2026, 4, 2, 16)
    # Friday 3 April is a working day; Monday 6 April (Easter Monday) is not.
    assert working_days_deadline(calendar, thursday, 2) == rome(2026, 4, 7, 16)
    assert working_seconds(calendar, rome(2026, 4, 6, 0), rome(2026, 4, 7, 0)) == 0
    assert working_seconds(calendar, rome(2026, 4, 3, 0), rome(2026, 4, 4, 0)) == 9 * HOUR


def test_a_provinces_patron_saint_closes_its_calendar_only():
    friday = rome(2026, 12, 4, 10)
    # Milan: Saint Ambrose on Monday 7 December, then the Immaculate Conception on Tuesday 8.
    assert working_days_deadline(office(closed=ClosedDays(MILAN)), friday, 1) == rome(2026, 12, 9, 10)
    assert working_days_deadline(office(closed=ClosedDays(ITALY)), friday, 1) == rome(2026, 12, 7, 10)


def test_listed_closures_add_to_the_public_holidays():
    calendar = office(closed=ClosedDays(ITALY, frozenset({date(2026, 12, 24), date(2026, 12, 31)})))
    # Wednesday 23 December 17:00: 30 minutes that day; 24, 25 (Christmas) closed; 26 is a Saturday.
    assert deadline_after(calendar, rome(2026, 12, 23, 17), 90 * 60) == rome(2026, 12, 28, 9, 30)


def test_pauses_stop_the_clock_and_push_the_deadline_back():
    calendar = office()
    monday = rome(2026, 11, 30, 9)
    waiting_for_customer = Span(rome(2026, 11, 30, 10), rome(2026, 11, 30, 11))
    assert deadline_after(calendar, monday, 2 * HOUR, pauses=[waiting_for_customer]) == rome(2026, 11, 30, 12)
    # A pause over the closed night costs the clock only the open time it covers.
    overnight = Span(rome(2026, 11, 30, 17), rome(2026, 12, 1, 9))
    # Open 09:00-17:30 and 08:30-10:00 (10 h); the pause took 17:00-17:30 and 08:30-09:00.
    assert working_seconds(calendar, monday, rome(2026, 12, 1, 10), pauses=[overnight]) == 9 * HOUR
    # Overlapping pauses count once; a pause outside the span changes nothing.
    both = [waiting_for_customer, Span(rome(2026, 11, 30, 10, 30), rome(2026, 11, 30, 11, 30))]
    assert working_seconds(calendar, monday, rome(2026, 11, 30, 12), pauses=both) == 1.5 * HOUR
    far = [Span(rome(2026, 12, 10, 9), rome(2026, 12, 10, 10))]
    assert working_seconds(calendar, monday, rome(2026, 11, 30, 12), pauses=far) == 3 * HOUR


def test_pauses_push_a_working_days_target_back_by_the_open_time_they_took():
    calendar = office()
    monday = rome(2026, 11, 30, 9)
    parts = Span(rome(2026, 12, 1, 9), rome(2026, 12, 1, 12))
    assert working_days_deadline(calendar, monday, 2) == rome(2026, 12, 2, 9)
    assert working_days_deadline(calendar, monday, 2, pauses=[parts]) == rome(2026, 12, 2, 12)


def test_a_night_window_crosses_midnight_and_both_daylight_saving_changes():
    nights = Calendar(zone=ROME, windows=tuple(Window(d, time(22), time(6)) for d in range(7)))
    # Saturday 22:00 to Sunday 06:00 is 7 real hours in March and 9 in October.
    assert working_seconds(nights, rome(2026, 3, 28, 12), rome(2026, 3, 29, 12)) == 7 * HOUR
    assert working_seconds(nights, rome(2026, 10, 24, 12), rome(2026, 10, 25, 12)) == 9 * HOUR
    # Two hours from 23:00 end at 01:00 the next day.
    assert deadline_after(nights, rome(2026, 11, 30, 23), 2 * HOUR) == rome(2026, 12, 1, 1)
    # Eight hours from Monday 21:00: Monday's night (22-06), then Tuesday 22:00-23:00.
    assert deadline_after(nights, rome(2026, 11, 30, 21), 9 * HOUR) == rome(2026, 12, 1, 23)


def test_a_holiday_closes_the_night_window_that_starts_on_it_not_the_one_running_into_it():
    nights = Calendar(
        zone=ROME,
        windows=tuple(Window(d, time(22), time(6)) for d in range(7)),
        closed=ClosedDays(ITALY),
    )
    # Christmas Eve's night runs into Christmas morning; Christmas night (starting on the 25th) is closed.
    assert working_seconds(nights, rome(2026, 12, 24, 12), rome(2026, 12, 25, 12)) == 8 * HOUR
    assert working_seconds(nights, rome(2026, 12, 25, 12), rome(2026, 12, 26, 12)) == 0


def test_working_days_count_open_days_from_the_next_opening():
    calendar = office(closed=ClosedDays(ITALY))
    # Opened on a Saturday: the count starts at Monday's opening, and one working day is Monday.
    assert working_days_deadline(calendar, rome(2026, 11, 28, 10), 1) == rome(2026, 11, 30, 17, 30)
    # Friday afternoon, two working days: Tuesday at the same time.
    assert working_days_deadline(calendar, rome(2026, 11, 27, 15), 2) == rome(2026, 12, 1, 15)
    # On a 24/7 calendar a working day is 24 real hours (across the autumn change the wall clock
    # then reads an hour less the next day).
    assert working_days_deadline(ALWAYS, rome(2026, 10, 24, 23, 59), 1) == rome(2026, 10, 25, 22, 59)


def test_a_due_time_past_a_short_days_hours_is_that_days_closing():
    # Fridays close at 14:00: a case opened Thursday 17:00 with one working day is due Friday 14:00.
    long_days = [Window(d, time(8), time(18)) for d in range(4)]
    calendar = Calendar(zone=ROME, windows=(*long_days, Window(4, time(8), time(14))))
    assert working_days_deadline(calendar, rome(2026, 12, 3, 17), 1) == rome(2026, 12, 4, 14)


def test_a_calendar_that_never_opens_is_an_error_not_an_endless_wait():
    closed_forever = Calendar(zone=ROME, windows=())
    with pytest.raises(CalendarNeverOpen):
        deadline_after(closed_forever, rome(2026, 1, 1, 0), 60)
    with pytest.raises(CalendarNeverOpen):
        working_days_deadline(closed_forever, rome(2026, 1, 1, 0), 1)


def test_nothing_to_run_is_due_at_once_and_a_window_needs_a_real_weekday():
    assert deadline_after(office(), rome(2026, 11, 28, 10), 0) == rome(2026, 11, 28, 10)
    assert working_days_deadline(office(), rome(2026, 11, 28, 10), 0) == rome(2026, 11, 28, 10)
    with pytest.raises(ValueError):
        Window(7, time(8), time(9))
