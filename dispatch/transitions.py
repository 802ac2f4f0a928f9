"""The intervention state machine: one table, used by services, API, admin and templates.

open -> assigned -> acknowledged -> on_site -> completed -> closed
(assign again from any active state: re-assignment; cancel from any non-final state)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from .choices import InterventionStatus as S
from .choices import Role
from .errors import TransitionNotAllowed
from .roles import user_roles

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class Transition:
    action: str
    label: StrOrPromise
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    # True: among the roles, only the technician the intervention is assigned to may act.
    assigned_technician_only: bool = False
    # True: the system itself (``actor=None``, recorded as "system") may act too: an escalation
    # step hands a case nobody acknowledged to the technician on call.
    system: bool = False


ACTIVE = frozenset({S.OPEN, S.ASSIGNED, S.ACKNOWLEDGED, S.ON_SITE})

TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition(
            "assign",
            _("Assign"),
            ACTIVE,
            S.ASSIGNED,
            frozenset({Role.OPERATOR, Role.SUPERVISOR}),
            system=True,
        ),
        Transition(
            "acknowledge",
            _("Acknowledge"),
            frozenset({S.ASSIGNED}),
            S.ACKNOWLEDGED,
            frozenset({Role.TECHNICIAN}),
            assigned_technician_only=True,
        ),
        Transition(
            "arrive",
            _("Arrived on site"),
            frozenset({S.ASSIGNED, S.ACKNOWLEDGED}),
            S.ON_SITE,
            frozenset({Role.TECHNICIAN}),
            assigned_technician_only=True,
        ),
        Transition(
            "complete",
            _("Completed"),
            frozenset({S.ON_SITE}),
            S.COMPLETED,
            frozenset({Role.TECHNICIAN}),
            assigned_technician_only=True,
        ),
        Transition("close", _("Close"), frozenset({S.COMPLETED}), S.CLOSED, frozenset({Role.SUPERVISOR})),
        Transition("cancel", _("Cancel"), ACTIVE | {S.COMPLETED}, S.CANCELLED, frozenset({Role.SUPERVISOR})),
    )
}


def user_may(*, user, intervention, action: str) -> bool:
    """Whether ``user``'s role allows ``action`` on this intervention, whatever its state.
    ``user`` None: the system, which may take the transitions marked ``system``."""
    transition = TRANSITIONS[action]
    if user is None:
        return transition.system
    if user_roles(user).isdisjoint(transition.roles):
        return False
    return not transition.assigned_technician_only or intervention.technician_id == user.pk


def transition_check(*, user, intervention, action: str) -> Transition:
    """Return the transition, or raise PermissionDenied (role) before TransitionNotAllowed (state)."""
    transition = TRANSITIONS[action]
    if not user_may(user=user, intervention=intervention, action=action):
        raise PermissionDenied(
            _("Your role does not allow “%(action)s” on this intervention.") % {"action": transition.label}
        )
    if intervention.status not in transition.sources:
        raise TransitionNotAllowed(
            _("“%(action)s” is not possible: the intervention is %(status)s.")
            % {"action": transition.label, "status": intervention.get_status_display().lower()}
        )
    return transition


def transitions_available(*, user, intervention) -> list[Transition]:
    """The actions ``user`` may take now: what the UI offers as buttons."""
    return [
        t
        for t in TRANSITIONS.values()
        if intervention.status in t.sources
        and user_may(user=user, intervention=intervention, action=t.action)
    ]
