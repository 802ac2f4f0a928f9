"""Calling back a caller who hung up while waiting (the abandoned calls' list)."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.choices import Role
from dispatch.models import Callback
from dispatch.roles import has_role
from dispatch.services import callback_schedule
from routing.choices import RouteState
from routing.models import CallRoute


@transaction.atomic
def abandoned_call_back(*, actor: AbstractBaseUser, route_id: int) -> Callback:
    """Schedule a callback, due now, to the caller of an abandoned call: operators and
    supervisors. Locks the route, so two operators clicking at once make one callback; a call
    that already has one (booked by the caller's "press 1", or by a colleague) gets no second."""
    if not has_role(actor, Role.OPERATOR, Role.SUPERVISOR):
        raise PermissionDenied(_("Only operators and supervisors call back."))
    route = CallRoute.objects.select_for_update().select_related("call").filter(pk=route_id).first()
    if route is None or route.state != RouteState.ABANDONED:
        raise ValidationError(_("This is not an abandoned call."))
    if Callback.objects.filter(call_id=route.call_id).exists():
        raise ValidationError(_("This caller already has a callback."))
    if not route.call.caller_number:
        raise ValidationError(_("The caller's number was withheld: there is nobody to call back."))
    return callback_schedule(actor=actor, due_at=timezone.now(), call=route.call)
