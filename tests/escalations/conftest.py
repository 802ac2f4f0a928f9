from datetime import date, time

import pytest

from dispatch import services as dispatch_services
from dispatch.choices import Role
from escalations.models import EscalationChain
from escalations.services import chain_publish
from notifications.models import ContactPoint
from oncall.services import rota_save
from teams.choices import AreaKind, MemberRole
from teams.models import Team
from teams.services import team_area_add, team_leadership_set, team_member_set
from tests.dispatch.helpers import call_logged
from tests.factories import PlantFactory, UserFactory

WALK = [
    {"delay_minutes": 0, "target": "assigned_technician", "channel": "first"},
    {"delay_minutes": 5, "target": "assigned_technician", "channel": "next"},
    {"delay_minutes": 5, "target": "on_call", "channel": "sms"},
    {"delay_minutes": 5, "target": "on_call_backup", "channel": "first"},
    {"delay_minutes": 10, "target": "team_leader", "channel": "email"},
    {"delay_minutes": 10, "target": "supervisor_on_duty", "channel": "first"},
]


@pytest.fixture
def world(users, customer):
    """A plant in Milano covered by team North (led by lea; nora on call) whose backup team South
    has dario on call; every one of them reachable. The technician has an SMS and an email."""
    boss = users["supervisor"]
    north = Team.objects.create(code="north", name="North")
    south = Team.objects.create(code="south", name="South")
    lea = UserFactory(username="lea", first_name="Lea", role=Role.TECHNICIAN)
    nora = UserFactory(username="nora", first_name="Nora", role=Role.TECHNICIAN)
    dario = UserFactory(username="dario", first_name="Dario", role=Role.TECHNICIAN)
    for team, person in ((north, lea), (north, nora), (south, dario)):
        team_member_set(actor=boss, team=team, user=person, role=MemberRole.TECHNICIAN)
    team_member_set(actor=boss, team=north, user=users["technician"], role=MemberRole.TECHNICIAN)
    team_leadership_set(actor=boss, team=north, leader=lea, backup_team=south)
    for team, person in ((north, nora), (south, dario)):
        rota_save(actor=boss, team=team, name="All", handover_weekday=0, handover_time=time(8),
                  starts_on=date(2026, 1, 5), members=[person])  # fmt: skip
    plant = PlantFactory(customer=customer, code="MI-1", municipality="Milano", province="MI")
    team_area_add(actor=boss, team=north, kind=AreaKind.MUNICIPALITY, name="Milano")
    points = [
        (users["technician"], "sms", "+393330000001"),
        (users["technician"], "email", "tech@example.net"),
        (nora, "sms", "+393330000002"),
        (dario, "sms", "+393330000003"),
        (lea, "email", "lea@example.net"),
        (boss, "email", "boss@example.net"),
    ]
    for position, (user, channel, address) in enumerate(points):
        ContactPoint.objects.create(user=user, channel=channel, address=address, position=position)
    return {"plant": plant, "lea": lea, "nora": nora, "dario": dario, "north": north, "south": south}


@pytest.fixture
def walk_chain(users):
    """The critical chain as WALK (version 2 of the shipped one)."""
    chain = EscalationChain.objects.get(case_type__isnull=True, priority=1)
    chain_publish(actor=users["supervisor"], chain=chain, steps=WALK)
    return chain


def case_assigned(users, plant, who="technician", priority=1):
    call = call_logged(users, plant)
    intervention = dispatch_services.intervention_open(
        actor=users["operator"], call=call, summary="Gas smell at the cabin", priority=priority
    )
    return dispatch_services.intervention_assign(
        actor=users["operator"], intervention=intervention, technician=users[who]
    )
