"""Escalation deadlines across both daylight-saving changes of Europe/Rome: an assignment not
acknowledged escalates its priority's timeout after it, in real time, whatever zone ``now`` is in."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from dispatch import services as dispatch_services
from escalations.models import EscalationStep
from escalations.services import escalations_sweep
from notifications.models import Notification
from tests.dispatch.helpers import call_logged

ROME = ZoneInfo("Europe/Rome")


@pytest.fixture
def intervention(users, plant):
    call = call_logged(users, plant)
    return dispatch_services.intervention_open(actor=users["operator"], call=call, summary="Gas smell")


@pytest.mark.parametrize(
    ("assigned", "too_early", "due"),
    [
        # Assigned 01:58 CET, 5 min to acknowledge: due at 03:03 CEST (the wall clock says 02:03).
        ("2026-03-29T01:58:00+01:00", "2026-03-29T03:02:59+02:00", "2026-03-29T03:03:00+02:00"),
        # Assigned 02:58 CEST, 5 min: due at 02:03 CET (the wall clock says 03:03 CET, an hour late).
        ("2026-10-25T02:58:00+02:00", "2026-10-25T02:02:59+01:00", "2026-10-25T02:03:00+01:00"),
    ],
)
def test_an_unacknowledged_assignment_escalates_on_time_across_a_change(
    reachable,
    intervention,
    settings,
    monkeypatch,
    django_capture_on_commit_callbacks,
    assigned,
    too_early,
    due,
):
    # Every shipped chain re-sends after 5 minutes (escalations: the chains are data).
    EscalationStep.objects.filter(position=2).update(delay_minutes=5)
    # Assigned at that moment (the services take the clock's time; interventions have no other writer).
    with monkeypatch.context() as patch, django_capture_on_commit_callbacks(execute=False):
        patch.setattr(timezone, "now", lambda: datetime.fromisoformat(assigned).astimezone(UTC))
        dispatch_services.intervention_assign(
            actor=reachable["operator"], intervention=intervention, technician=reachable["technician"]
        )
    # ``now`` as a caller in the local zone would pass it.
    with django_capture_on_commit_callbacks(execute=False):
        escalations_sweep(now=datetime.fromisoformat(assigned).astimezone(ROME))
        escalations_sweep(now=datetime.fromisoformat(too_early).astimezone(ROME))
        assert not Notification.objects.filter(intervention=intervention, reason="escalated").exists()
        escalations_sweep(now=datetime.fromisoformat(due).astimezone(ROME))
    assert Notification.objects.filter(intervention=intervention, reason="escalated").count() == 1
