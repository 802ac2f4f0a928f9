"""The reports page shows the service-level clocks of the customer's cases: share met per case
type, metric, priority, class and team, for the report's period and the reader's scope."""

from datetime import timedelta

import pytest
from django.utils import timezone

from clocks.models import CaseType
from clocks.services import case_file_set
from dispatch import services
from teams.choices import AreaKind
from teams.models import Team
from teams.services import team_area_add
from tests.dispatch.helpers import call_logged

pytestmark = pytest.mark.django_db


def test_the_reports_page_lists_the_clocks_per_team(users, plant, other_plant, client_for, browser):
    type(plant).objects.filter(pk=plant.pk).update(municipality="Milano")
    team_area_add(actor=users["supervisor"], team=Team.objects.create(code="north", name="North"),
                  kind=AreaKind.MUNICIPALITY, name="Milano")  # fmt: skip
    call = call_logged(users, plant, received_at=timezone.now() - timedelta(minutes=30))
    case = services.intervention_open(actor=users["operator"], plant=plant, call=call, summary="Gas smell")
    case_file_set(
        actor=users["operator"], intervention=case, case_type=CaseType.objects.get(code="emergency")
    )
    services.intervention_assign(actor=users["operator"], intervention=case, technician=users["technician"])
    services.intervention_acknowledge(
        actor=users["technician"], intervention=case, at=call.received_at + timedelta(minutes=20)
    )
    other = services.intervention_open(actor=users["operator"], plant=other_plant, summary="Elsewhere")
    case_file_set(
        actor=users["operator"], intervention=other, case_type=CaseType.objects.get(code="incident")
    )
    # From the call's day: 30 minutes before a run just after midnight is yesterday.
    query = {
        "customer": plant.customer_id,
        "date_from": timezone.localdate(call.received_at).isoformat(),
        "date_to": timezone.localdate().isoformat(),
    }

    page = browser("utility").get("/reports/service-levels/", query).content.decode()

    table = page.split('id="case-clocks"')[1].split("</table>")[0]
    # Acknowledged after 20 minutes against the emergency's 15: late, 0% met, under team north.
    assert "<td>north</td><td>1</td><td>0</td><td>1</td><td>0</td><td>0.0%</td>" in table
    assert "incident" not in table  # another customer's case
