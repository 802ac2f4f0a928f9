"""Who is on shift at an instant, and coverage per local hour against each line's minimum,
across midnight and both daylight-saving changes."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from shifts.models import LineCoverageMinimum
from shifts.selectors import coverage_by_hour, on_shift_now
from shifts.services import shift_save

pytestmark = pytest.mark.django_db
ROME = ZoneInfo("Europe/Rome")


def at(*args):
    return datetime(*args, tzinfo=ROME)


def put(users, crew, who, day, start, end, lines=()):
    return shift_save(
        actor=users["supervisor"], user=crew["members"][who], team=crew["team"],
        day=day, start=start, end=end, lines=lines,
    )  # fmt: skip


def test_the_night_operator_is_on_shift_at_two_in_the_morning(users, crew):
    night = put(users, crew, 1, date(2026, 5, 8), time(19), time(7))
    put(users, crew, 2, date(2026, 5, 9), time(7), time(19))
    assert [s.user for s in on_shift_now(at=at(2026, 5, 9, 2))] == [night.user]
    assert [s.pk for s in on_shift_now(at=at(2026, 5, 9, 2), team=crew["team"])] == [night.pk]
    assert on_shift_now(at=at(2026, 5, 9, 2), team=crew["other"]) == []
    # 07:00 sharp: the night has ended, the day has begun.
    assert [s.user for s in on_shift_now(at=at(2026, 5, 9, 7))] == [crew["members"][2]]


def test_on_shift_by_line_counts_shifts_with_no_line_as_every_line(users, crew):
    gas_only = put(users, crew, 1, date(2026, 5, 9), time(8), time(17), lines=[crew["gas"]])
    anything = put(users, crew, 2, date(2026, 5, 9), time(8), time(17))
    noon = at(2026, 5, 9, 12)
    assert {s.pk for s in on_shift_now(at=noon, line=crew["gas"])} == {gas_only.pk, anything.pk}
    assert {s.pk for s in on_shift_now(at=noon, line=crew["lifts"])} == {anything.pk}


def test_coverage_counts_a_night_shift_at_23_and_at_02(users, crew):
    LineCoverageMinimum.objects.create(line=crew["gas"], from_hour=0, to_hour=24, minimum=1)
    put(users, crew, 1, date(2026, 5, 8), time(19), time(7))
    coverage = coverage_by_hour(date_from=date(2026, 5, 8), date_to=date(2026, 5, 9))
    by_hour = {(row.local_start.day, row.local_start.hour): row for row in coverage.hours}
    assert by_hour[(8, 23)].count == 1 and by_hour[(9, 2)].count == 1
    assert by_hour[(8, 18)].count == 0 and by_hour[(9, 7)].count == 0
    assert by_hour[(9, 2)].who == ["Op1"]
    gap_hours = {(g.local_start.day, g.local_start.hour) for g in coverage.gaps}
    assert (8, 23) not in gap_hours and (9, 2) not in gap_hours
    assert (8, 18) in gap_hours and (9, 7) in gap_hours
    assert len(gap_hours) == 48 - 12


@pytest.mark.parametrize(
    ("day", "hours"), [(date(2026, 3, 29), 23), (date(2026, 10, 25), 25), (date(2026, 5, 9), 24)]
)
def test_a_day_has_23_or_25_hours_of_coverage_when_the_clocks_change(crew, day, hours):
    coverage = coverage_by_hour(date_from=day, date_to=day)
    assert len(coverage.hours) == hours
    local_hours = [row.local_start.hour for row in coverage.hours]
    if hours == 23:
        assert 2 not in local_hours
    if hours == 25:
        assert local_hours.count(2) == 2


def test_coverage_across_the_autumn_night_counts_the_repeated_hour_and_the_gaps(users, crew):
    LineCoverageMinimum.objects.create(line=crew["gas"], from_hour=0, to_hour=7, minimum=2)
    LineCoverageMinimum.objects.create(line=crew["lifts"], from_hour=0, to_hour=7, minimum=1, weekdays="6")
    put(users, crew, 1, date(2026, 10, 24), time(19), time(7), lines=[crew["gas"]])
    put(users, crew, 2, date(2026, 10, 25), time(0), time(4))
    coverage = coverage_by_hour(date_from=date(2026, 10, 25), date_to=date(2026, 10, 25))
    night = coverage.hours[:8]  # 00, 01, 02 (summer), 02 (winter), 03, 04, 05, 06
    assert [row.local_start.hour for row in night] == [0, 1, 2, 2, 3, 4, 5, 6]
    assert [row.count for row in night] == [2, 2, 2, 2, 2, 1, 1, 1]
    gas = [(g.local_start.hour, g.have, g.need) for g in coverage.gaps if g.line == crew["gas"]]
    assert gas == [(4, 1, 2), (5, 1, 2), (6, 1, 2)]
    lifts = [(g.local_start.hour, g.have) for g in coverage.gaps if g.line == crew["lifts"]]
    assert lifts == [(4, 0), (5, 0), (6, 0)]  # the gas-only operator does not cover lifts
    only_lifts = coverage_by_hour(
        date_from=date(2026, 10, 25), date_to=date(2026, 10, 25), line=crew["lifts"]
    )
    assert {g.line for g in only_lifts.gaps} == {crew["lifts"]}


def test_coverage_of_a_month_takes_three_queries(users, crew, django_assert_num_queries):
    LineCoverageMinimum.objects.create(line=crew["gas"], from_hour=8, to_hour=20, minimum=2, weekdays="01234")
    for n in range(1, 29):
        put(users, crew, 1 + n % 3, date(2026, 2, n), time(8), time(17), lines=[crew["gas"]])
    with django_assert_num_queries(3):
        coverage = coverage_by_hour(date_from=date(2026, 2, 1), date_to=date(2026, 2, 28))
    assert len(coverage.hours) == 28 * 24
    # Weekdays 08-20 need two; one is there 08-17: every weekday hour from 8 to 19 is short.
    assert len(coverage.gaps) == 20 * 12
