"""A reassigning step hands the case over as the system (no borrowed user), and when the
assignment is refused the person found is told instead and the timeline says why."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError

from dispatch import services as dispatch_services
from dispatch.choices import Role
from dispatch.errors import TransitionNotAllowed
from dispatch.models import Event
from dispatch.timeline import event_sentence
from escalations.models import EscalationRun, EscalationRunStep
from escalations.selectors import case_timeline
from escalations.services import chain_publish, escalations_sweep
from notifications.models import Notification

from .conftest import case_assigned

pytestmark = pytest.mark.django_db

M = timedelta(minutes=1)
HANDOVER = [
    {"delay_minutes": 0, "target": "assigned_technician", "channel": "first"},
    {"delay_minutes": 5, "target": "on_call_backup", "channel": "first", "reassign": True},
    {"delay_minutes": 5, "target": "supervisor_on_duty", "channel": "first"},
]


@pytest.fixture
def handover_chain(users, walk_chain):
    chain_publish(actor=users["supervisor"], chain=walk_chain, steps=HANDOVER)
    return walk_chain


def test_the_system_assigns_and_the_history_says_system(users, world):
    case = case_assigned(users, world["plant"])
    assigned = dispatch_services.intervention_assign(actor=None, intervention=case, technician=world["dario"])
    assert assigned.technician == world["dario"]
    event = Event.objects.filter(intervention=case, kind="intervention.assign").order_by("-seq").first()
    assert (event.actor_id, event.actor_label) == (None, "system")
    assert event.data["after"]["technician"] == "dario"


def test_the_system_is_refused_what_the_state_machine_refuses(users, world):
    case = case_assigned(users, world["plant"])
    with pytest.raises(ValidationError, match="already assigned to this technician"):
        dispatch_services.intervention_assign(actor=None, intervention=case, technician=users["technician"])
    world["dario"].is_active = False
    world["dario"].save()
    with pytest.raises(ValidationError, match="active technician"):
        dispatch_services.intervention_assign(actor=None, intervention=case, technician=world["dario"])
    dispatch_services.intervention_cancel(actor=users["supervisor"], intervention=case, reason="Duplicate")
    with pytest.raises(TransitionNotAllowed):
        dispatch_services.intervention_assign(actor=None, intervention=case, technician=world["nora"])
    # Only the assignment is the system's: it acknowledges nothing in anyone's name.
    other = case_assigned(users, world["plant"])
    with pytest.raises(PermissionDenied):
        dispatch_services.intervention_acknowledge(actor=None, intervention=other)


def test_a_reassigning_step_assigns_as_the_system(users, world, handover_chain):
    case = case_assigned(users, world["plant"])
    escalations_sweep(now=case.assigned_at)
    escalations_sweep(now=case.assigned_at + 5 * M)
    case.refresh_from_db()
    assert case.technician == world["dario"]
    event = Event.objects.filter(intervention=case, kind="intervention.assign").order_by("-seq").first()
    assert event.actor_label == "system"
    row = EscalationRunStep.objects.get(run__intervention=case, position=2)
    assert (row.sent_on, row.note) == ("assignment", "assigned to Dario")


def test_a_refused_handover_tells_the_person_instead_and_the_timeline_says_why(users, world, handover_chain):
    # Dario is on call in the backup team but no longer a technician: the assignment is refused.
    world["dario"].groups.remove(Group.objects.get(name=Role.TECHNICIAN))
    case = case_assigned(users, world["plant"])
    escalations_sweep(now=case.assigned_at)
    escalations_sweep(now=case.assigned_at + 5 * M)
    case.refresh_from_db()
    assert case.technician == users["technician"]  # still theirs
    told = Notification.objects.filter(intervention=case, reason="escalated")
    assert list(told.values_list("recipient", flat=True)) == ["+393330000003"]
    row = case_timeline(intervention=case).fired[1]
    assert row.note == "not assigned (Choose an active technician.): told instead"
    assert row.sent_on == "sms"
    refused = Event.objects.get(intervention=case, kind="escalation.handover_refused")
    assert refused.actor_label == "system"
    assert event_sentence(refused) == (
        "The escalation did not assign the case to Dario (Choose an active technician.): told instead."
    )
    run = EscalationRun.objects.get(intervention=case)
    assert (run.state, run.next_position) == ("running", 3)
    client_html = _panel(users, case)
    assert "not assigned (Choose an active technician.): told instead" in client_html


def _panel(users, case):
    from django.test import Client

    client = Client()
    client.force_login(users["supervisor"])
    return client.get(f"/escalations/cases/{case.pk}/panel/").content.decode()
