"""Generating a month from a pattern, shifts set by hand, overlaps and who may edit."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from shifts.choices import ShiftSource
from shifts.models import Shift, ShiftPattern
from shifts.services import roster_generate, shift_delete, shift_save

pytestmark = pytest.mark.django_db
ROME = ZoneInfo("Europe/Rome")


def pattern(code):
    return ShiftPattern.objects.get(code=code)


def local(instant):
    return instant.astimezone(ROME)


def test_five_two_fills_the_weekdays_and_works_the_public_holidays(users, crew):
    """June 2026: 22 weekdays, among them Tuesday 2 June (Festa della Repubblica): a call centre
    answers on public holidays, so the pattern does not skip them."""
    one = crew["members"][1]
    result = roster_generate(
        actor=users["supervisor"],
        team=crew["team"],
        year=2026,
        month=6,
        pattern=pattern("9h-5-2"),
        users=[one],
    )
    shifts = list(Shift.objects.filter(user=one).order_by("starts_at"))
    assert result.created == len(shifts) == 22
    assert all(shift.day.weekday() < 5 for shift in shifts)
    assert date(2026, 6, 2) in {shift.day for shift in shifts}
    first = shifts[0]
    assert (local(first.starts_at).time(), local(first.ends_at).time()) == (time(8), time(17))
    assert first.break_minutes == 60 and first.source == ShiftSource.GENERATED and first.team == crew["team"]


def test_two_two_alternates_so_that_two_operators_cover_every_day(users, crew):
    a, b = crew["members"][1:3]
    roster_generate(
        actor=users["supervisor"], team=crew["team"], year=2026, month=4,
        pattern=pattern("12h-2-2-day"), users=[a, b],
    )  # fmt: skip
    days_a = sorted(Shift.objects.filter(user=a).values_list("day", flat=True))
    days_b = sorted(Shift.objects.filter(user=b).values_list("day", flat=True))
    assert not set(days_a) & set(days_b)
    assert sorted(days_a + days_b) == [date(2026, 4, d) for d in range(1, 31)]
    # Two on, two off: each working day has exactly one working neighbour in its pair.
    worked = set(days_a)
    for day in days_a:
        pair = {day - timedelta(days=1), day + timedelta(days=1)} & worked
        assert len(pair) == 1
    # The rotation goes on into May where April left off.
    roster_generate(
        actor=users["supervisor"], team=crew["team"], year=2026, month=5,
        pattern=pattern("12h-2-2-day"), users=[a, b],
    )  # fmt: skip
    april_end = {d for d in worked if d.day >= 29}
    may_first = set(Shift.objects.filter(user=a, day__month=5).values_list("day", flat=True))
    run = sorted(april_end | {d for d in may_first if d.day <= 2})
    assert all(len({x - timedelta(days=1), x + timedelta(days=1)} & set(run)) <= 1 for x in run)


@pytest.mark.parametrize(
    ("night", "hours"),
    [(date(2026, 3, 28), 11), (date(2026, 10, 24), 13), (date(2026, 5, 9), 12)],
    ids=["summer-time-starts", "summer-time-ends", "ordinary"],
)
def test_a_night_shift_is_defined_on_the_wall_clock_so_daylight_saving_changes_its_real_length(
    users, crew, night, hours
):
    shift = shift_save(
        actor=users["supervisor"], user=crew["members"][1], team=crew["team"],
        day=night, start=time(19), end=time(7), break_minutes=20,
    )  # fmt: skip
    assert local(shift.starts_at).replace(tzinfo=None) == datetime.combine(night, time(19))
    assert local(shift.ends_at).replace(tzinfo=None) == datetime.combine(night + timedelta(days=1), time(7))
    assert shift.ends_at - shift.starts_at == timedelta(hours=hours)


def test_the_generated_night_pattern_spans_midnight_and_stretches_on_the_autumn_night(users, crew):
    a, b = crew["members"][1:3]
    roster_generate(
        actor=users["supervisor"], team=crew["team"], year=2026, month=10,
        pattern=pattern("12h-2-2-night"), users=[a, b],
    )  # fmt: skip
    autumn = Shift.objects.get(day=date(2026, 10, 24))
    assert autumn.real_minutes == 13 * 60
    assert local(autumn.ends_at).date() == date(2026, 10, 25) and local(autumn.ends_at).hour == 7
    assert Shift.objects.get(day=date(2026, 10, 10)).real_minutes == 12 * 60


def test_generating_again_replaces_only_generated_shifts_not_yet_started(users, crew):
    one = crew["members"][1]
    team, supervisor = crew["team"], users["supervisor"]
    roster_generate(actor=supervisor, team=team, year=2026, month=6, pattern=pattern("9h-5-2"), users=[one])
    by_hand = Shift.objects.get(user=one, day=date(2026, 6, 10))
    shift_save(
        actor=supervisor, shift=by_hand, user=one, team=team, day=by_hand.day, start=time(10), end=time(18)
    )
    now = datetime(2026, 6, 15, 12, tzinfo=ROME)  # the 15th's shift has begun
    result = roster_generate(
        actor=supervisor, team=team, year=2026, month=6, pattern=pattern("12h-2-2-day"), users=[one], now=now
    )
    kept = {s.day: s for s in Shift.objects.filter(user=one, day__lte=date(2026, 6, 15))}
    assert kept[date(2026, 6, 10)].source == ShiftSource.MANUAL
    assert local(kept[date(2026, 6, 10)].starts_at).hour == 10
    assert kept[date(2026, 6, 15)].pattern.code == "9h-5-2"  # begun: kept
    later = Shift.objects.filter(user=one, day__gt=date(2026, 6, 15))
    assert later.exists() and {s.pattern.code for s in later} == {"12h-2-2-day"}
    assert result.replaced == 11  # the weekdays from the 16th to the 30th


def test_an_operators_shifts_never_overlap_whatever_the_team(users, crew):
    one = crew["members"][1]
    crew["other"].memberships.create(user=one, role="operator")
    shift_save(
        actor=users["supervisor"],
        user=one,
        team=crew["team"],
        day=date(2026, 5, 9),
        start=time(19),
        end=time(7),
    )
    with pytest.raises(ValidationError) as refused:
        shift_save(
            actor=users["supervisor"],
            user=one,
            team=crew["other"],
            day=date(2026, 5, 10),
            start=time(6),
            end=time(14),
        )
    assert "start" in refused.value.message_dict
    # Back to back is fine.
    shift_save(
        actor=users["supervisor"],
        user=one,
        team=crew["other"],
        day=date(2026, 5, 10),
        start=time(7),
        end=time(15),
    )
    assert Shift.objects.filter(user=one).count() == 2


def test_generation_steps_around_a_shift_that_would_overlap(users, crew):
    one = crew["members"][1]
    # A night on Sunday 31 May runs into Monday 1 June's morning.
    shift_save(
        actor=users["supervisor"],
        user=one,
        team=crew["team"],
        day=date(2026, 5, 31),
        start=time(23),
        end=time(9),
    )
    result = roster_generate(
        actor=users["supervisor"],
        team=crew["team"],
        year=2026,
        month=6,
        pattern=pattern("9h-5-2"),
        users=[one],
    )
    assert result.kept == 1 and result.created == 21
    assert not Shift.objects.filter(user=one, day=date(2026, 6, 1)).exists()


def test_the_breaks_fit_inside_and_the_user_must_be_in_the_team(users, crew):
    with pytest.raises(ValidationError) as refused:
        shift_save(
            actor=users["supervisor"], user=crew["members"][1], team=crew["team"],
            day=date(2026, 5, 9), start=time(8), end=time(9), break_minutes=60,
        )  # fmt: skip
    assert "break_minutes" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        shift_save(actor=users["supervisor"], user=crew["stranger"], team=crew["team"],
                   day=date(2026, 5, 9), start=time(8), end=time(17))  # fmt: skip
    assert "user" in refused.value.message_dict


def test_an_operator_cannot_edit_a_leader_edits_only_their_own_team(users, crew):
    leader, member = users["operator"], crew["members"][1]
    with pytest.raises(PermissionDenied):
        shift_save(
            actor=member, user=member, team=crew["team"], day=date(2026, 5, 9), start=time(8), end=time(17)
        )
    with pytest.raises(PermissionDenied):
        roster_generate(actor=member, team=crew["team"], year=2026, month=6, pattern=pattern("9h-5-2"))
    mine = shift_save(
        actor=leader, user=member, team=crew["team"], day=date(2026, 5, 9), start=time(8), end=time(17)
    )
    with pytest.raises(PermissionDenied):
        shift_save(
            actor=leader,
            user=crew["stranger"],
            team=crew["other"],
            day=date(2026, 5, 9),
            start=time(8),
            end=time(17),
        )
    theirs = shift_save(actor=users["supervisor"], user=crew["stranger"], team=crew["other"],
                        day=date(2026, 5, 9), start=time(8), end=time(17))  # fmt: skip
    with pytest.raises(PermissionDenied):
        shift_delete(actor=leader, shift=theirs)
    with pytest.raises(PermissionDenied):  # nor pull another team's shift into their own
        shift_save(actor=leader, shift=theirs, user=crew["stranger"], team=crew["team"], day=date(2026, 5, 9),
                   start=time(8), end=time(17))  # fmt: skip
    shift_delete(actor=leader, shift=mine)
    assert list(Shift.objects.all()) == [theirs]
    result = roster_generate(actor=leader, team=crew["team"], year=2026, month=6, pattern=pattern("9h-5-2"))
    assert result.created == 4 * 22
