"""The demo's major incident: open on the demo network's cabin, three calls attached, one caller
subscribed, two updates after the declaration; seeding again changes nothing."""

import io

import pytest
from django.core.management import call_command

from incidents.choices import IncidentState, UpdateKind
from incidents.models import IncidentMember, IncidentSubscriber, IncidentUpdate, MajorIncident

pytestmark = pytest.mark.django_db


def test_the_demo_incident_and_seeding_again_is_harmless():
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_network_demo", stdout=io.StringIO())
    call_command("seed_incident_demo", stdout=io.StringIO())
    incident = MajorIncident.objects.get()
    assert (incident.node.code, incident.state) == ("REMI-MI-001", IncidentState.OPEN)
    assert IncidentMember.objects.filter(incident=incident, call__isnull=False).count() == 3
    assert IncidentSubscriber.objects.filter(incident=incident).count() == 1
    kinds = list(IncidentUpdate.objects.filter(incident=incident).values_list("kind", flat=True))
    assert kinds == [UpdateKind.DECLARED, UpdateKind.MESSAGE, UpdateKind.ETA]
    out = io.StringIO()
    call_command("seed_incident_demo", stdout=out)
    assert "already open" in out.getvalue()
    assert MajorIncident.objects.count() == 1 and IncidentUpdate.objects.count() == 3
