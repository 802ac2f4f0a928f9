"""Operators' states: the console's choices and the phone's moves, each kept in the state log."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.choices import Role
from dispatch.errors import TransitionNotAllowed
from dispatch.models import Call
from dispatch.roles import AnyUser, has_role
from routing.choices import OperatorState, PauseReason
from routing.models import OperatorProfile, OperatorStateChange
from routing.states import console_change_allowed


def operator_state_move(
    *,
    profile: OperatorProfile,
    state: str,
    at: datetime,
    call: Call | None = None,
    reason: str = "",
    keep_idle_since: bool = False,
) -> OperatorProfile:
    """Move a locked profile to ``state`` and log it. Becoming free starts the idle clock
    (longest idle is offered first) unless ``keep_idle_since`` (an offer that came to nothing
    through no fault of the operator keeps their place)."""
    profile.state = state
    profile.state_since = at
    profile.pause_reason = reason if state == OperatorState.PAUSED else ""
    fields = ["state", "state_since", "pause_reason", "idle_since", "wrap_up_until", "current_call"]
    if state == OperatorState.WRAP_UP:
        profile.wrap_up_until = at + timedelta(seconds=profile.wrap_up_seconds)
        profile.idle_since = profile.wrap_up_until
        profile.current_call = None
    elif state == OperatorState.AVAILABLE:
        if not keep_idle_since or profile.idle_since is None:
            profile.idle_since = at
        profile.wrap_up_until = None
        profile.current_call = None
    elif state in (OperatorState.OFFERED, OperatorState.ON_CALL):
        profile.current_call = call
        profile.wrap_up_until = None
    else:
        profile.current_call = None
        profile.wrap_up_until = None
    profile.save(update_fields=fields)
    OperatorStateChange.objects.create(operator=profile, state=state, reason=reason, at=at, call=call)
    return profile


def operator_profile_for(user: AbstractBaseUser) -> OperatorProfile:
    """The user's profile, made on first use (signed off) for operators and supervisors."""
    profile = OperatorProfile.objects.filter(user_id=user.pk).first()
    if profile is not None:
        return profile
    if not has_role(user, Role.OPERATOR, Role.SUPERVISOR):
        raise PermissionDenied(_("Only operators and supervisors take calls."))
    profile, _created = OperatorProfile.objects.get_or_create(
        user_id=user.pk, defaults={"state_since": timezone.now()}
    )
    return profile


@transaction.atomic
def operator_state_choose(
    *, actor: AnyUser, state: str, reason: str = "", profile: OperatorProfile | None = None
) -> OperatorProfile:
    """The console's choice: available, paused (with a reason) or signed off. A supervisor may
    set another operator's state (sign off someone who left without doing it)."""
    if not isinstance(actor, AbstractBaseUser):
        raise PermissionDenied(_("Only operators and supervisors take calls."))
    if profile is None:
        profile = operator_profile_for(actor)
    elif profile.user_id != actor.pk and not has_role(actor, Role.SUPERVISOR):
        raise PermissionDenied(_("Only a supervisor changes another operator's state."))
    locked = OperatorProfile.objects.select_for_update().get(pk=profile.pk)
    if state not in OperatorState.values:
        raise ValidationError({"state": _("Unknown state.")})
    if state == OperatorState.PAUSED:
        if reason not in PauseReason.values or reason == PauseReason.NO_ANSWER:
            raise ValidationError({"reason": _("Say why you pause.")})
    else:
        reason = ""
    if locked.state == state and locked.pause_reason == reason:
        return locked
    if not console_change_allowed(locked.state, state):
        raise TransitionNotAllowed(
            _("You cannot go from “%(current)s” to “%(target)s” from the console.")
            % {"current": locked.get_state_display(), "target": OperatorState(state).label}
        )
    return operator_state_move(profile=locked, state=state, at=timezone.now(), reason=reason)
