from datetime import date, time

import pytest

from dispatch.choices import Role
from oncall.services import rota_save
from teams.choices import AreaKind, MemberRole
from teams.models import Team
from teams.services import team_area_add, team_leadership_set, team_member_set
from tests.factories import PlantFactory, UserFactory


@pytest.fixture
def north(users):
    """Team North: three technicians on a weekly rota changing over Mondays at 08:00 from
    Monday 2 November 2026 (anna, then bruno, then carla); anna leads it."""
    boss = users["supervisor"]
    team = Team.objects.create(code="north", name="North")
    people = [UserFactory(username=name, role=Role.TECHNICIAN) for name in ("anna", "bruno", "carla")]
    for person in people:
        team_member_set(actor=boss, team=team, user=person, role=MemberRole.TECHNICIAN)
    team_leadership_set(actor=boss, team=team, leader=people[0], backup_team=None)
    team.people = people
    return team


@pytest.fixture
def north_rota(users, north):
    return rota_save(
        actor=users["supervisor"], team=north, name="Gas", handover_weekday=0, handover_time=time(8),
        starts_on=date(2026, 11, 2), members=north.people,
    )  # fmt: skip


@pytest.fixture
def milan_plant(users, customer, north):
    plant = PlantFactory(customer=customer, code="MI-1", municipality="Milano", province="MI")
    team_area_add(actor=users["supervisor"], team=north, kind=AreaKind.MUNICIPALITY, name="Milano")
    return plant
