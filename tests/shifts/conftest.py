"""A team of four operators led by ``operator`` (an operator, not a supervisor), another team
with its own member, and the two demo lines."""

import pytest

from dispatch.choices import Role
from routing.models import Line
from teams.models import Team, TeamMembership
from tests.factories import UserFactory


@pytest.fixture
def crew(users):
    team = Team.objects.create(code="north", name="North", leader=users["operator"])
    other = Team.objects.create(code="south", name="South")
    members = [users["operator"]] + [
        UserFactory(username=f"op{n}", first_name=f"Op{n}", role=Role.OPERATOR) for n in (1, 2, 3)
    ]
    for member in members:
        TeamMembership.objects.create(team=team, user=member, role="operator")
    stranger = UserFactory(username="southop", role=Role.OPERATOR)
    TeamMembership.objects.create(team=other, user=stranger, role="operator")
    gas = Line.objects.create(number="800100", name="Gas")
    lifts = Line.objects.create(number="800200", name="Lifts")
    return {
        "team": team,
        "other": other,
        "members": members,
        "stranger": stranger,
        "gas": gas,
        "lifts": lifts,
    }
