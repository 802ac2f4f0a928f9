"""The board shows each case's most pressing clock, in words, and colours the row when it is
close to its target or late."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from clocks.models import CaseType
from clocks.selectors import CaseClock, clock_most_urgent
from clocks.services import case_file_set, pause_start
from dispatch import services
from tests.dispatch.helpers import call_logged

pytestmark = pytest.mark.django_db
ROWS = reverse("dispatch:board-rows")


def _case(users, plant, minutes_ago, summary):
    call = call_logged(users, plant, received_at=timezone.now() - timedelta(minutes=minutes_ago))
    intervention = services.intervention_open(
        actor=users["operator"], plant=plant, call=call, summary=summary
    )
    case_file_set(
        actor=users["operator"], intervention=intervention, case_type=CaseType.objects.get(code="emergency")
    )
    return intervention


def _row(html, pk):
    return re.search(
        rf'<tr class="([^"]*)">(?:(?!</tr>).)*id="board-iv-{pk}"(?:(?!</tr>).)*</tr>', html, re.S
    )


def test_each_row_says_its_most_pressing_clock(users, plant, browser):
    fresh = _case(users, plant, 1, "Fresh")
    close = _case(users, plant, 13, "Response close")
    late = _case(users, plant, 20, "Response late")
    waiting = _case(users, plant, 5, "Waiting")
    pause_start(actor=users["operator"], intervention=waiting, reason="access")

    html = browser("operator").get(ROWS).content.decode()

    fresh_row, close_row, late_row, waiting_row = (_row(html, i.pk) for i in (fresh, close, late, waiting))
    assert "clock-" not in fresh_row.group(
        1
    ) and 'class="clock clock-running">Response due' in fresh_row.group(0)
    assert (
        "clock-amber" in close_row.group(1)
        and "Response due" in close_row.group(0)
        and ", close" in close_row.group(0)
    )
    assert "clock-breached" in late_row.group(1) and "Response late, was due" in late_row.group(0)
    assert 'class="clock clock-paused">Response paused' in waiting_row.group(0)


def test_the_most_urgent_clock_is_late_first_then_close_then_soonest():
    now = timezone.now()

    def clock(metric, state, minutes):
        return CaseClock(metric, state, now + timedelta(minutes=minutes), None)

    assert (
        clock_most_urgent([clock("arrival", "running", 5), clock("response", "amber", 30)]).metric
        == "response"
    )
    assert (
        clock_most_urgent([clock("arrival", "breached", -1), clock("response", "amber", 1)]).metric
        == "arrival"
    )
    assert (
        clock_most_urgent([clock("arrival", "running", 50), clock("response", "running", 10)]).metric
        == "response"
    )
    assert clock_most_urgent([CaseClock("response", "met", now, now)]) is None
