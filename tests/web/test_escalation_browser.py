"""An escalation in a real browser: the technician assigned does not acknowledge; after the
chain's delay (the sweep run with its clock moved on) the backup team's technician on call has
the case on their phone, and the supervisor reads the escalation's timeline on the case's page.
Also the screenshot docs/screenshots/escalation-timeline.png (with PRONTO_SCREENSHOTS=docs/screenshots)."""

from datetime import date, time, timedelta

import pytest
from playwright.sync_api import expect

from dispatch import services as dispatch_services
from escalations.models import EscalationChain
from escalations.services import chain_publish, escalations_sweep, shipped_chains_restore
from notifications.models import ContactPoint
from oncall.services import rota_save
from teams.choices import AreaKind, MemberRole
from teams.models import Team
from teams.services import team_area_add, team_leadership_set, team_member_set
from tests.dispatch.helpers import call_logged
from tests.factories import PlantFactory
from tests.web.test_whole_flow import shoot

pytestmark = [pytest.mark.real_component, pytest.mark.django_db(transaction=True)]

HANDOVER = [
    {"delay_minutes": 0, "target": "assigned_technician", "channel": "first"},
    {"delay_minutes": 5, "target": "on_call_backup", "channel": "sms", "reassign": True},
    {"delay_minutes": 10, "target": "supervisor_on_duty", "channel": "first"},
]


def test_nobody_acknowledges_so_the_backup_on_call_gets_the_case_and_the_supervisor_sees_why(
    signed_in, users, customer
):
    boss = users["supervisor"]
    shipped_chains_restore()  # a browser test before this one flushed the database
    chain = EscalationChain.objects.get(case_type__isnull=True, priority=1)
    chain_publish(actor=boss, chain=chain, steps=HANDOVER)
    # North covers Milano (the technician assigned); its backup team South has technician2 on call.
    north = Team.objects.create(code="north", name="North")
    south = Team.objects.create(code="south", name="South")
    team_member_set(actor=boss, team=north, user=users["technician"], role=MemberRole.TECHNICIAN)
    team_member_set(actor=boss, team=south, user=users["technician2"], role=MemberRole.TECHNICIAN)
    team_leadership_set(actor=boss, team=north, leader=None, backup_team=south)
    team_area_add(actor=boss, team=north, kind=AreaKind.MUNICIPALITY, name="Milano")
    rota_save(actor=boss, team=south, name="South on call", handover_weekday=0, handover_time=time(8),
              starts_on=date(2026, 1, 5), members=[users["technician2"]])  # fmt: skip
    for n, who in enumerate(("technician", "technician2")):
        ContactPoint.objects.create(user=users[who], channel="sms", address=f"+3933300000{n}", position=0)
    plant = PlantFactory(customer=customer, code="MI-7", name="Cabin Porta Nuova", municipality="Milano",
                         province="MI")  # fmt: skip
    call = call_logged(users, plant)
    case = dispatch_services.intervention_open(
        actor=users["operator"], call=call, summary="Gas smell at the cabin", priority=1
    )
    case = dispatch_services.intervention_assign(
        actor=users["operator"], intervention=case, technician=users["technician"]
    )

    escalations_sweep(now=case.assigned_at)  # the run starts; step 1 went with the assignment
    backup = signed_in("technician2", phone=True, path="/m/")
    expect(backup.get_by_role("link", name="Cabin Porta Nuova")).to_have_count(0)

    # Five minutes on, nobody acknowledged: step 2 hands the case to South's technician on call.
    escalations_sweep(now=case.assigned_at + timedelta(minutes=5))
    case.refresh_from_db()
    assert case.technician == users["technician2"]
    backup.reload()
    expect(backup.get_by_role("link", name="Cabin Porta Nuova")).to_be_visible()

    desk = signed_in("supervisor", path=f"/interventions/{case.pk}/")
    panel = desk.locator("#case-escalation")
    expect(panel.locator(".escalation-fired")).to_have_count(2)
    expect(panel.locator(".escalation-fired").nth(1)).to_contain_text("assigned to")
    expect(panel.locator(".escalation-fired").nth(1)).to_contain_text(
        users["technician2"].get_full_name() or "technician2"
    )
    expect(panel.locator(".escalation-coming")).to_have_count(1)
    panel.scroll_into_view_if_needed()
    shoot(desk, "escalation-timeline")
