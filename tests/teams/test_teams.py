"""Teams: members by role, the area that says which team knows a plant, leader and backup team."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from teams.choices import AreaKind, MemberRole
from teams.models import Team, TeamArea, TeamChange
from teams.selectors import team_members, teams_covering
from teams.services import (
    team_area_add,
    team_area_remove,
    team_leadership_set,
    team_member_remove,
    team_member_set,
)
from tests.factories import PlantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def north():
    return Team.objects.create(code="north", name="North")


@pytest.fixture
def south():
    return Team.objects.create(code="south", name="South")


def test_the_most_specific_piece_of_area_wins(users, customer, north, south):
    boss = users["supervisor"]
    plant = PlantFactory(customer=customer, code="MI-7", municipality="Milano", province="MI")
    elsewhere = PlantFactory(customer=customer, code="TO-1", municipality="Torino", province="TO")
    team_area_add(actor=boss, team=south, kind=AreaKind.PROVINCE, name="mi")
    team_area_add(actor=boss, team=north, kind=AreaKind.MUNICIPALITY, name="Milano")
    assert teams_covering(plant=plant) == [north, south]
    own = Team.objects.create(code="lifts", name="Lifts")
    team_area_add(actor=boss, team=own, kind=AreaKind.PLANT, plant=plant)
    assert teams_covering(plant=plant) == [own, north, south]
    assert teams_covering(plant=elsewhere) == []
    assert TeamArea.objects.get(team=south).name == "MI"


def test_a_province_is_its_two_letter_code(users, north):
    with pytest.raises(ValidationError) as error:
        team_area_add(actor=users["supervisor"], team=north, kind=AreaKind.PROVINCE, name="Milano")
    assert "name" in error.value.message_dict


def test_members_hold_the_matching_role(users, north):
    boss = users["supervisor"]
    team_member_set(actor=boss, team=north, user=users["technician"], role=MemberRole.TECHNICIAN)
    team_member_set(actor=boss, team=north, user=users["operator"], role=MemberRole.OPERATOR)
    with pytest.raises(ValidationError) as error:
        team_member_set(actor=boss, team=north, user=users["operator"], role=MemberRole.TECHNICIAN)
    assert "user" in error.value.message_dict
    assert [m.user for m in team_members(team=north, role=MemberRole.TECHNICIAN)] == [users["technician"]]
    assert TeamChange.objects.filter(team=north, what="member").count() == 2


def test_only_a_supervisor_changes_a_team(users, north):
    for role in ("operator", "technician", "utility"):
        with pytest.raises(PermissionDenied):
            team_member_set(
                actor=users[role], team=north, user=users["technician"], role=MemberRole.TECHNICIAN
            )
        with pytest.raises(PermissionDenied):
            team_area_add(actor=users[role], team=north, kind=AreaKind.MUNICIPALITY, name="Milano")


def test_the_leader_is_a_member_and_stays_until_replaced(users, north):
    boss = users["supervisor"]
    with pytest.raises(ValidationError):
        team_leadership_set(actor=boss, team=north, leader=users["technician"], backup_team=None)
    team_member_set(actor=boss, team=north, user=users["technician"], role=MemberRole.TECHNICIAN)
    team_leadership_set(actor=boss, team=north, leader=users["technician"], backup_team=None)
    with pytest.raises(ValidationError):
        team_member_remove(actor=boss, team=north, user=users["technician"])
    team_leadership_set(actor=boss, team=north, leader=boss, backup_team=None)
    team_member_remove(actor=boss, team=north, user=users["technician"])
    assert not team_members(team=north).exists()


def test_backup_teams_never_go_round(users, north, south):
    boss = users["supervisor"]
    third = Team.objects.create(code="third", name="Third")
    team_leadership_set(actor=boss, team=north, leader=None, backup_team=south)
    team_leadership_set(actor=boss, team=south, leader=None, backup_team=third)
    with pytest.raises(ValidationError) as error:
        team_leadership_set(actor=boss, team=third, leader=None, backup_team=north)
    assert "backup_team" in error.value.message_dict
    with pytest.raises(ValidationError):
        team_leadership_set(actor=boss, team=north, leader=None, backup_team=north)
    with pytest.raises(IntegrityError), transaction.atomic():
        Team.objects.filter(pk=north.pk).update(backup_team=north)


def test_an_area_removed_no_longer_covers(users, customer, north):
    boss = users["supervisor"]
    plant = PlantFactory(customer=customer, code="X1", municipality="Lodi")
    area = team_area_add(actor=boss, team=north, kind=AreaKind.MUNICIPALITY, name="lodi")
    assert teams_covering(plant=plant) == [north]
    team_area_remove(actor=boss, area=area)
    assert teams_covering(plant=plant) == []
