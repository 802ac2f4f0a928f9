"""A case type's verification period: a completed case is not closed before it ends."""

from datetime import timedelta

import pytest
from django.utils import timezone

from clocks.models import CaseType
from clocks.services import case_file_set
from dispatch import services
from dispatch.errors import TransitionNotAllowed

pytestmark = pytest.mark.django_db


def _completed(users, plant, case_type, completed_days_ago):
    case = services.intervention_open(actor=users["operator"], plant=plant, summary="Pressure drops at night")
    case_file_set(actor=users["operator"], intervention=case, case_type=CaseType.objects.get(code=case_type))
    services.intervention_assign(actor=users["operator"], intervention=case, technician=users["technician"])
    services.intervention_acknowledge(actor=users["technician"], intervention=case)
    services.intervention_arrive(actor=users["technician"], intervention=case)
    return services.intervention_complete(
        actor=users["technician"],
        intervention=case,
        closing_reason="Regulator replaced",
        at=timezone.now() - timedelta(days=completed_days_ago),
    )


def test_an_incident_stays_in_verification_three_days_after_the_work(users, plant, browser):
    recent = _completed(users, plant, "incident", completed_days_ago=1)
    with pytest.raises(TransitionNotAllowed, match="in verification until"):
        services.intervention_close(actor=users["supervisor"], intervention=recent)
    panel = browser("supervisor").get(f"/clocks/cases/{recent.pk}/panel/").content.decode()
    assert "In verification until" in panel

    verified = _completed(users, plant, "incident", completed_days_ago=4)
    assert services.intervention_close(actor=users["supervisor"], intervention=verified).status == "closed"


def test_a_type_without_verification_closes_at_once(users, plant):
    done = _completed(users, plant, "service", completed_days_ago=0)
    assert services.intervention_close(actor=users["supervisor"], intervention=done).status == "closed"
