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


def test_the_closing_screen_tells_how_the_telemetry_did_during_verification(users, plant, browser):
    from telecontrol.choices import AlarmKind, Protocol
    from telecontrol.models import PlantAlarm, PlantTelecontrol

    PlantTelecontrol.objects.create(plant=plant, protocol=Protocol.MQTT)
    quiet = _completed(users, plant, "incident", completed_days_ago=4)
    page = browser("supervisor").get(f"/interventions/{quiet.pk}/").content.decode()
    assert "telemetry stayed normal since the work was completed" in page

    # A pressure alarm two days after the work, cleared a day later: the supervisor sees it.
    PlantAlarm.objects.create(
        plant=plant, key="device:P-LOW", kind=AlarmKind.DEVICE, code="P-LOW", message="Low pressure",
        source=Protocol.MQTT, raised_at=timezone.now() - timedelta(days=2),
        cleared_at=timezone.now() - timedelta(days=1),
    )  # fmt: skip
    page = browser("supervisor").get(f"/interventions/{quiet.pk}/").content.decode()
    assert "the plant raised 1 alarm" in page and "P-LOW — Low pressure" in page
    # An alarm cleared before the work ended does not count.
    before = _completed(users, plant, "incident", completed_days_ago=0)
    page = browser("supervisor").get(f"/interventions/{before.pk}/").content.decode()
    assert "telemetry stayed normal" in page
    # Operators do not close: no such section for them.
    assert (
        "telemetry-since-work" not in browser("operator").get(f"/interventions/{quiet.pk}/").content.decode()
    )
