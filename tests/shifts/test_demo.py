"""The demo's teams get this month's roster and each line a minimum; seeding again changes
nothing that has begun and leaves the same roster."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from shifts.models import LineCoverageMinimum, Shift

pytestmark = pytest.mark.django_db


def test_the_demo_rosters_this_month_and_seeding_again_is_harmless():
    for command in ("seed_demo", "seed_routing_demo", "seed_shifts_demo"):
        call_command(command, stdout=io.StringIO())
    today = timezone.localdate()
    month = Shift.objects.filter(day__year=today.year, day__month=today.month)
    roster = sorted(month.values_list("user__username", "day", "starts_at", "ends_at"))
    assert {"sim1", "sim3", "sim5", "operator"} <= {row[0] for row in roster}
    assert month.filter(team__code="emilia").exists() and all(
        s.overnight for s in month.filter(team__code="emilia")
    )
    minimums = LineCoverageMinimum.objects.count()
    assert minimums == 4

    call_command("seed_shifts_demo", stdout=io.StringIO())
    again = Shift.objects.filter(day__year=today.year, day__month=today.month)
    assert sorted(again.values_list("user__username", "day", "starts_at", "ends_at")) == roster
    assert LineCoverageMinimum.objects.count() == minimums
