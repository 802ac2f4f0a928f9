"""The roster in a real browser: a supervisor opens a team's October, generates it from the
12-hour day pattern, changes a cell by hand, and sees a night shift that runs into the night the
clocks go back. With ``PRONTO_SCREENSHOTS=<folder>`` the roster is saved there as
``roster.png`` (docs/screenshots)."""

import os
from collections import Counter
from datetime import date, time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from dispatch.choices import Role
from routing.models import Line
from shifts.models import LineCoverageMinimum, Shift
from shifts.services import shift_save, shipped_patterns_restore
from teams.models import Team, TeamMembership
from tests.factories import UserFactory
from tests.web.test_accessibility import axe_violations

pytestmark = [pytest.mark.real_component, pytest.mark.django_db(transaction=True)]

PEOPLE = [("marta", "Marta", "Rossi"), ("luca", "Luca", "Bianchi"), ("giulia", "Giulia", "Verdi"),
          ("paolo", "Paolo", "Neri")]  # fmt: skip


def test_a_supervisor_generates_a_month_and_changes_a_cell(signed_in, users, live_server):
    shipped_patterns_restore()  # a browser test before this one flushed the database
    team = Team.objects.create(code="lombardia", name="Team Lombardia")
    gas = Line.objects.create(number="800100", name="Pronto intervento gas")
    LineCoverageMinimum.objects.create(line=gas, from_hour=0, to_hour=24, minimum=2)
    members = []
    for username, first, last in PEOPLE:
        member = UserFactory(username=username, first_name=first, last_name=last, role=Role.OPERATOR)
        TeamMembership.objects.create(team=team, user=member, role="operator")
        members.append(member)
    # Paolo covers the night the clocks go back, by hand: generating leaves his day alone.
    shift_save(actor=users["supervisor"], user=members[3], team=team, day=date(2026, 10, 24),
               start=time(19), end=time(7), break_minutes=20, note="Night of the clock change")  # fmt: skip

    page = signed_in("supervisor", path="/shifts/")
    page.goto(f"/shifts/?team={team.pk}&month=2026-10")
    page.set_viewport_size({"width": 1680, "height": 520})
    expect(page.get_by_role("heading", level=1)).to_have_text("Shifts: Team Lombardia")
    roster = page.get_by_role("table", name="Roster of Team Lombardia, October 2026")
    expect(roster.locator(".shift.night")).to_have_text("19–07 ☾")

    page.get_by_label("Pattern").select_option(label="12h × 2/2 day")
    page.get_by_role("button", name="Generate the month").click()
    expect(page.get_by_role("status")).to_contain_text("shifts generated")
    # Two on, two off, each operator's cycle shifted so that every day has two of them; Paolo's
    # night, set by hand, stays as it was.
    per_day = Counter(Shift.objects.filter(source="generated").values_list("day", flat=True))
    assert all(per_day[date(2026, 10, n)] == 2 for n in range(1, 32) if n != 24)
    assert Shift.objects.get(user=members[3], day=date(2026, 10, 24)).source == "manual"
    marta = roster.get_by_role("row").filter(has_text="Marta Rossi")
    expect(marta.locator(".shift")).to_have_count(Shift.objects.filter(user=members[0]).count())

    marta.get_by_role("link", name="07–19").first.click()
    page.get_by_label("Starts").fill("09:00")
    page.get_by_label("Ends").fill("21:00")
    page.get_by_label("Note").fill("Training in the morning")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Shift saved.")
    expect(marta.locator(".shift.manual")).to_have_text("09–21")

    folder = os.environ.get("PRONTO_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / "roster.png"), full_page=True)

    # The pages pass axe-core's WCAG 2.1 A and AA rules.
    assert axe_violations(page) == []
    coverage = "/shifts/coverage/?date_from=2026-10-24&date_to=2026-10-25"
    for path in ("/shifts/now/", coverage, "/shifts/patterns/", "/shifts/minimums/"):
        page.goto(path)
        assert axe_violations(page) == [], path
