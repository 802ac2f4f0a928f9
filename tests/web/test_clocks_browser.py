"""Service-level clocks in a real browser, with the server's clock held still and moved on by
the test: a case turns amber, then red, on the board as time passes, and the supervisor sees
the breach on the desk."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clocks.models import CaseType
from clocks.services import case_file_set, shipped_setup_restore
from dispatch import services
from tests.dispatch.helpers import call_logged

pytestmark = [pytest.mark.real_component, pytest.mark.django_db(transaction=True)]


class HeldClock:
    """``timezone.now`` for the server (same process, another thread): still until moved."""

    def __init__(self, start):
        self.at = start

    def __call__(self):
        return self.at

    def move_to(self, at):
        self.at = at


@pytest.fixture
def held_clock(monkeypatch):
    clock = HeldClock(timezone.now())
    monkeypatch.setattr(timezone, "now", clock)
    return clock


def test_a_case_turns_amber_then_late_on_the_board_and_the_desk_shows_the_breach(
    signed_in, users, plant, settings, held_clock
):
    settings.PRONTO_BOARD_REFRESH_SECONDS = 1
    shipped_setup_restore()  # a browser test before this one flushed the database
    start = held_clock.at
    call = call_logged(users, plant, caller_number="+39 02 4444 5555", received_at=start)
    case = services.intervention_open(actor=users["operator"], call=call, summary="Gas smell in the cellar")
    case_file_set(
        actor=users["operator"], intervention=case, case_type=CaseType.objects.get(code="emergency")
    )

    page = signed_in("supervisor", path="/board/")
    row = page.locator("table.board-interventions tbody tr").filter(has_text="Gas smell in the cellar")
    expect(row.locator(".clock")).to_have_text(re.compile(r"^Response due \d\d:\d\d$"))
    expect(row).not_to_have_class(re.compile(r"clock-(amber|breached)"))

    held_clock.move_to(start + timedelta(minutes=12))  # past 75 % of the 15-minute response
    expect(row).to_have_class(re.compile(r"\bclock-amber\b"), timeout=5_000)
    expect(row.locator(".clock")).to_have_text(re.compile(r"^Response due \d\d:\d\d, close$"))

    held_clock.move_to(start + timedelta(minutes=16))
    expect(row).to_have_class(re.compile(r"\bclock-breached\b"), timeout=5_000)
    expect(row.locator(".clock")).to_have_text(re.compile(r"^Response late, was due \d\d:\d\d$"))

    page.goto("/desk/")
    late = page.get_by_role("table", name="Late on their targets")
    expect(late.get_by_role("row").filter(has_text=f"#{case.pk}")).to_contain_text("Response")
