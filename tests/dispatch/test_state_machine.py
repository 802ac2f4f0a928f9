"""Every action from every state, by the role allowed to make it and by every other role.

The expectations are written out here, independently of dispatch.transitions, so that a
change to the table that the issue does not allow makes these tests fail.
"""

import pytest
from django.core.exceptions import PermissionDenied

from dispatch import services
from dispatch.choices import InterventionStatus as S
from dispatch.errors import TransitionNotAllowed
from dispatch.models import Event

from .helpers import intervention_in

ALL_STATES = [S.OPEN, S.ASSIGNED, S.ACKNOWLEDGED, S.ON_SITE, S.COMPLETED, S.CLOSED, S.CANCELLED]

# action -> (states it is allowed from, resulting state, the one user allowed to make it)
EXPECTED = {
    "assign": ({S.OPEN, S.ASSIGNED, S.ACKNOWLEDGED, S.ON_SITE}, S.ASSIGNED, "operator"),
    "acknowledge": ({S.ASSIGNED}, S.ACKNOWLEDGED, "technician"),
    "arrive": ({S.ASSIGNED, S.ACKNOWLEDGED}, S.ON_SITE, "technician"),
    "complete": ({S.ON_SITE}, S.COMPLETED, "technician"),
    "close": ({S.COMPLETED}, S.CLOSED, "supervisor"),
    "cancel": ({S.OPEN, S.ASSIGNED, S.ACKNOWLEDGED, S.ON_SITE, S.COMPLETED}, S.CANCELLED, "supervisor"),
}
# Who else may make the action (roles, not the named user above).
ALSO_ALLOWED = {"assign": {"supervisor"}}
ACTORS = ["operator", "technician", "technician2", "supervisor", "utility", "norole"]


def perform(action, *, actor, intervention, users):
    service = getattr(services, f"intervention_{action}")
    arguments = {
        "assign": {"technician": users["technician2"]},
        "complete": {"closing_reason": "Valve replaced"},
        "cancel": {"reason": "Caller withdrew"},
    }.get(action, {})
    return service(actor=users[actor], intervention=intervention, **arguments)


@pytest.mark.parametrize("state", ALL_STATES)
@pytest.mark.parametrize("action", sorted(EXPECTED))
def test_allowed_role_from_every_state(action, state, users, plant):
    sources, target, actor = EXPECTED[action]
    intervention = intervention_in(state, users=users, plant=plant)
    events_before = Event.objects.filter(intervention=intervention).count()
    if state in sources:
        result = perform(action, actor=actor, intervention=intervention, users=users)
        intervention.refresh_from_db()
        assert intervention.status == result.status == target
        # Notification events may follow the transition's own.
        last = (
            Event.objects.filter(intervention=intervention, kind__startswith="intervention.")
            .order_by("-seq")
            .first()
        )
        assert last.kind == f"intervention.{action}"
        assert last.actor_label == actor
        assert last.data["before"]["status"] == state
        assert last.data["after"]["status"] == target
    else:
        # With nobody assigned yet, the technician is not "the assigned technician": 403 first.
        unassigned = intervention.technician_id is None and actor == "technician"
        with pytest.raises(PermissionDenied if unassigned else TransitionNotAllowed):
            perform(action, actor=actor, intervention=intervention, users=users)
        intervention.refresh_from_db()
        assert intervention.status == state
        assert Event.objects.filter(intervention=intervention).count() == events_before


REFUSED = [
    (action, actor)
    for action, (_sources, _target, allowed) in sorted(EXPECTED.items())
    for actor in ACTORS
    if actor != allowed and actor not in ALSO_ALLOWED.get(action, set())
]


@pytest.mark.parametrize(("action", "actor"), REFUSED)
def test_every_other_role_is_refused_even_from_the_right_state(action, actor, users, plant):
    sources = EXPECTED[action][0]
    # A state the action is allowed from, reached with the intervention assigned to "technician".
    state = next(s for s in (S.ASSIGNED, S.ON_SITE, S.COMPLETED, S.OPEN) if s in sources)
    intervention = intervention_in(state, users=users, plant=plant)
    with pytest.raises(PermissionDenied):
        perform(action, actor=actor, intervention=intervention, users=users)
    intervention.refresh_from_db()
    assert intervention.status == state


def test_role_is_checked_before_state(users, plant):
    """A technician trying to close an open intervention hears 'not allowed', not 'wrong state'."""
    intervention = intervention_in(S.OPEN, users=users, plant=plant)
    with pytest.raises(PermissionDenied):
        services.intervention_close(actor=users["technician"], intervention=intervention)


def test_complete_needs_a_closing_reason(users, plant):
    from django.core.exceptions import ValidationError

    intervention = intervention_in(S.ON_SITE, users=users, plant=plant)
    for blank in ("", "   "):
        with pytest.raises(ValidationError) as error:
            services.intervention_complete(
                actor=users["technician"], intervention=intervention, closing_reason=blank
            )
        assert "closing_reason" in error.value.message_dict
    intervention.refresh_from_db()
    assert intervention.status == S.ON_SITE


def test_assign_refuses_a_non_technician_and_a_repeat(users, plant):
    from django.core.exceptions import ValidationError

    intervention = intervention_in(S.OPEN, users=users, plant=plant)
    with pytest.raises(ValidationError) as error:
        services.intervention_assign(
            actor=users["operator"], intervention=intervention, technician=users["operator"]
        )
    assert "technician" in error.value.message_dict
    services.intervention_assign(
        actor=users["operator"], intervention=intervention, technician=users["technician"]
    )
    with pytest.raises(ValidationError):
        services.intervention_assign(
            actor=users["operator"], intervention=intervention, technician=users["technician"]
        )


def test_reassignment_hands_the_steps_to_the_new_technician(users, plant):
    intervention = intervention_in(S.ACKNOWLEDGED, users=users, plant=plant)
    services.intervention_assign(
        actor=users["supervisor"], intervention=intervention, technician=users["technician2"]
    )
    with pytest.raises(PermissionDenied):
        services.intervention_arrive(actor=users["technician"], intervention=intervention)
    arrived = services.intervention_arrive(actor=users["technician2"], intervention=intervention)
    assert arrived.status == S.ON_SITE and arrived.technician == users["technician2"]


def test_timestamps_follow_the_flow(users, plant):
    closed = intervention_in(S.CLOSED, users=users, plant=plant)
    times = [closed.opened_at, closed.assigned_at, closed.acknowledged_at, closed.arrived_at]
    times += [closed.completed_at, closed.closed_at]
    assert all(times) and times == sorted(times)
    assert closed.closed_by == users["supervisor"]
    assert closed.closing_reason == "Loose fitting tightened"
