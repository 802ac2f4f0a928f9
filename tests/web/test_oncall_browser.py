"""The on-call rota in a real browser: the team's leader sees the coming weeks and sets an
override, the technician on call asks a colleague to take the next hours, the leader approves,
and "on call now" names the colleague. With ``PRONTO_SCREENSHOTS=<folder>`` the rota is saved
there as ``oncall-rota.png`` (docs/screenshots)."""

import os
from datetime import time, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dispatch.choices import Role
from oncall.choices import CoverKind, CoverStatus
from oncall.models import RotaCover
from oncall.services import rota_save
from teams.models import Team
from teams.services import team_area_add, team_leadership_set, team_member_set
from tests.factories import UserFactory
from tests.web.test_accessibility import axe_violations

pytestmark = [pytest.mark.real_component, pytest.mark.django_db(transaction=True)]


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_the_leader_overrides_a_technician_swaps_and_on_call_now_follows(signed_in, users, live_server):
    boss = users["supervisor"]
    users["leader"] = UserFactory(
        username="lucia", first_name="Lucia", last_name="Leone", role=Role.TECHNICIAN
    )
    for name, first, last in (("technician", "Tino", "Tecnico"), ("technician2", "Teresa", "Tecnica")):
        users[name].first_name, users[name].last_name = first, last
        users[name].save()
    tino, teresa, lucia = users["technician"], users["technician2"], users["leader"]
    north = Team.objects.create(code="lombardia", name="Team Lombardia", region="Lombardia")
    backup = Team.objects.create(code="emilia", name="Team Emilia-Romagna")
    for person in (tino, teresa, lucia):
        team_member_set(actor=boss, team=north, user=person, role="technician")
    team_area_add(actor=boss, team=north, kind="province", name="MI")
    team_leadership_set(actor=boss, team=north, leader=lucia, backup_team=backup)
    # Three weeks ago on Monday at midnight: this week is Tino's again.
    today = timezone.localdate()
    rota_save(
        actor=boss, team=north, name="Gas", handover_weekday=0, handover_time=time(0),
        starts_on=today - timedelta(days=today.weekday() + 21), members=[tino, teresa, lucia],
    )  # fmt: skip

    leader = signed_in("leader", path=f"/oncall/teams/{north.pk}/")
    leader.set_viewport_size({"width": 1280, "height": 900})
    expect(leader.get_by_role("heading", level=1)).to_have_text("On call: Team Lombardia")
    weeks = leader.get_by_role("table", name="Rota Gas")
    expect(weeks.get_by_role("row")).to_have_count(9)  # the header and eight weeks
    expect(weeks.get_by_role("row").nth(1)).to_contain_text("Tino Tecnico")
    expect(weeks.get_by_role("row").nth(2)).to_contain_text("Teresa Tecnica")

    # Lucia covers a day of Teresa's week (next week's Wednesday).
    wednesday = timezone.make_aware(
        timezone.datetime.combine(today + timedelta(days=7 - today.weekday() + 2), time(8))
    )
    override = leader.get_by_role("form", name="Set an override")
    override.get_by_label("On call").select_option(label="Lucia Leone")
    override.get_by_label("From").fill(local(wednesday))
    override.get_by_label("To").fill(local(wednesday + timedelta(hours=12)))
    override.get_by_label("Reason").fill("Teresa at a training day")
    override.get_by_role("button", name="Set the override").click()
    expect(leader.get_by_role("status")).to_contain_text("Override set.")
    expect(weeks.get_by_role("row").nth(2)).to_contain_text("Lucia Leone (")

    # Tino, on call now, asks Teresa to take the next four hours.
    start = timezone.now().replace(second=0, microsecond=0)
    tech = signed_in("technician", path=f"/oncall/teams/{north.pk}/")
    swap = tech.get_by_role("form", name="Ask for a swap")
    swap.get_by_label("Colleague who takes it").select_option(label="Teresa Tecnica")
    swap.get_by_label("From").fill(local(start))
    swap.get_by_label("To").fill(local(start + timedelta(hours=4)))
    swap.get_by_label("Reason").fill("Family emergency")
    swap.get_by_role("button", name="Ask for the swap").click()
    expect(tech.get_by_role("status")).to_contain_text("Swap asked")
    cover = RotaCover.objects.get(kind=CoverKind.SWAP)
    assert cover.status == CoverStatus.REQUESTED

    leader.reload()
    row = leader.locator(f"#cover-{cover.pk}")
    expect(row).to_contain_text("Requested")
    row.get_by_role("button", name="Approve").click()
    expect(leader.get_by_role("status")).to_contain_text("Swap approved.")
    cover.refresh_from_db()
    assert cover.status == CoverStatus.APPROVED
    expect(weeks.get_by_role("row").nth(1)).to_contain_text("swap for Tino Tecnico")

    folder = os.environ.get("PRONTO_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        leader.screenshot(path=str(Path(folder) / "oncall-rota.png"), full_page=True)
    assert axe_violations(leader) == []

    leader.goto("/oncall/")
    now_row = leader.locator("tr[data-team='lombardia']")
    expect(now_row.locator("td.on-call")).to_have_text("Teresa Tecnica")
    expect(now_row).to_contain_text("Team Emilia-Romagna")
    assert axe_violations(leader) == []

    # The pages around it pass axe-core's WCAG 2.1 A and AA rules too.
    supervisor = signed_in("supervisor", path="/teams/")
    for path in ("/teams/", f"/teams/{north.pk}/", "/oncall/feed/", f"/oncall/teams/{north.pk}/rotas/new/"):
        supervisor.goto(path)
        assert axe_violations(supervisor) == [], path
