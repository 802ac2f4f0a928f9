"""Off hours, a line's forward rings whoever is on call for its team, then its backup team's,
and only then the fallback centre: the router reads the same rotas as the suggestion."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from dispatch.choices import Role
from dispatch.models import UserProfile
from oncall.services import rota_save
from routing.catalogue import catalogue_forget
from routing.choices import RuleAction
from routing.models import Line, RoutingDecision, RoutingRule, RuleSetVersion
from teams.choices import MemberRole
from teams.models import Team
from teams.services import team_leadership_set, team_member_set
from tests.factories import UserFactory
from tests.routing.conftest import telephony_secret  # noqa: F401  (autouse: the router's signed endpoint)
from tests.routing.helpers import ask

pytestmark = pytest.mark.django_db
ROME = ZoneInfo("Europe/Rome")


@pytest.fixture
def night_line(users, north, north_rota):
    line = Line.objects.create(
        number="800300", name="Gas nights", fallback_uri="sip:0471000000@centre-b", on_call_team=north
    )
    version = RuleSetVersion.objects.create(number=1, published_at=datetime(2026, 1, 1, tzinfo=ROME))
    RoutingRule.objects.create(
        version=version, position=1, name="Night", line=line, time_from="20:00", time_to="08:00",
        action=RuleAction.FORWARD,
    )  # fmt: skip
    for person, number in zip(north.people, ("+393331000001", "+393331000002", ""), strict=True):
        UserProfile.objects.update_or_create(user=person, defaults={"mobile_number": number})
    catalogue_forget()
    return line


def last_reason():
    return RoutingDecision.objects.order_by("-pk").first().reason


def test_a_night_call_rings_the_technician_on_call(night_line):
    answer = ask("n1", line="800300", at=datetime(2026, 11, 10, 23, tzinfo=ROME))  # bruno's week
    assert answer == {"action": "forward", "uri": "+393331000002"}
    assert "on call for north" in last_reason()


def test_nobody_with_a_number_on_call_goes_to_the_backup_team_then_the_fallback(users, north, night_line):
    # carla's week: no mobile number.
    answer = ask("n2", line="800300", at=datetime(2026, 11, 17, 23, tzinfo=ROME))
    assert answer == {"action": "forward", "uri": "sip:0471000000@centre-b"}
    assert "nobody on call for north" in last_reason()
    boss = users["supervisor"]
    south = Team.objects.create(code="south", name="South")
    dario = UserFactory(username="dario", role=Role.TECHNICIAN)
    UserProfile.objects.update_or_create(user=dario, defaults={"mobile_number": "+393339999999"})
    team_member_set(actor=boss, team=south, user=dario, role=MemberRole.TECHNICIAN)
    rota_save(actor=boss, team=south, name="All", handover_weekday=0, handover_time=time(8),
              starts_on=date(2026, 1, 5), members=[dario])  # fmt: skip
    team_leadership_set(actor=boss, team=north, leader=north.people[0], backup_team=south)
    catalogue_forget()
    answer = ask("n3", line="800300", at=datetime(2026, 11, 17, 23, tzinfo=ROME))
    assert answer == {"action": "forward", "uri": "+393339999999"}
    assert "(backup team)" in last_reason()
