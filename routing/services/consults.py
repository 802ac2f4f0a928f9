"""Second line: a first-line operator consults a second-line team about the call they are on,
then takes the call back or transfers it. Each step is recorded on the customer's call (its
history: who, when, how long) and in ``Consult``.

The operator's phone dials the team's consult number through the phone system, which asks the
router as for any call; the router recognises the operator's extension and the consult number,
offers the consult to the team's longest-idle free member, and names the customer's call
(``consult_of``) so the phone system reports the consult's events on it.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from dispatch.history import event_record
from dispatch.models import Call
from routing.answers import RouteAnswer
from routing.catalogue import catalogue
from routing.choices import ConsultOutcome, DecisionAction, OperatorState, RouteState
from routing.models import CallRoute, Consult, OperatorProfile
from routing.picking import operators_free
from routing.services.operators import operator_state_move

BUSY_CODE = 486


def _call_locked(call: Call) -> Call:
    return Call.objects.select_for_update().get(pk=call.pk)


def consult_route(*, call_id: str, caller: str, line: str, at: datetime) -> RouteAnswer | None:
    """The answer to an operator dialling a second-line team, or None when this is not one."""
    team = catalogue().consult_teams.get(line) if line else None
    if team is None or not caller:
        return None
    asking = (
        OperatorProfile.objects.select_for_update().filter(extension=caller).select_related("user").first()
    )
    if asking is None or asking.current_call_id is None:
        return None
    route = CallRoute.objects.select_for_update().filter(call_id=asking.current_call_id).first()
    if route is None:
        return None
    consultant = (
        operators_free(at=at)
        .filter(team=team)
        .exclude(pk=asking.pk)
        .select_for_update(skip_locked=True, of=("self",))
        .order_by("idle_since", "pk")
        .select_related("user")
        .first()
    )
    if consultant is None:
        return RouteAnswer(action=DecisionAction.REJECT, code=BUSY_CODE)
    operator_state_move(
        profile=consultant, state=OperatorState.OFFERED, at=at, call=route.call, keep_idle_since=True
    )
    Consult.objects.create(route=route, operator=asking, team=team, consultant=consultant, started_at=at)
    return RouteAnswer(
        action=DecisionAction.OFFER,
        uri=consultant.sip_uri or f"sip:{consultant.extension}",
        agent=consultant.user.get_username(),
        extension=consultant.extension,
        consult_of=route.call.external_id or "",
    )


def _profile(agent: str) -> OperatorProfile | None:
    if not agent:
        return None
    return (
        OperatorProfile.objects.select_for_update().filter(user__username=agent).first()
        or OperatorProfile.objects.select_for_update().filter(extension=agent).first()
    )


@transaction.atomic
def consult_started(*, route: CallRoute, agent: str, at: datetime) -> Consult | None:
    consult = Consult.objects.select_for_update().filter(route=route, ended_at__isnull=True).last()
    consultant = _profile(agent)
    if consult is None:
        if consultant is None or consultant.team is None or route.operator is None:
            return None
        consult = Consult.objects.create(
            route=route, operator=route.operator, team=consultant.team, consultant=consultant, started_at=at
        )
    else:
        consult.started_at = at
        if consultant is not None:
            consult.consultant = consultant
        consult.save(update_fields=["started_at", "consultant"])
    if consult.consultant_id is not None:
        profile = OperatorProfile.objects.select_for_update().get(pk=consult.consultant_id)
        operator_state_move(profile=profile, state=OperatorState.ON_CALL, at=at, call=route.call)
    event_record(
        subject=_call_locked(route.call),
        kind="call.consult_started",
        actor=None,
        data={
            "operator": consult.operator.user.get_username(),
            "team": consult.team.code,
            "consultant": consult.consultant.user.get_username() if consult.consultant else "",
        },
    )
    return consult


@transaction.atomic
def consult_ended(
    *, route: CallRoute, at: datetime, outcome: str = ConsultOutcome.TOOK_BACK
) -> Consult | None:
    consult = Consult.objects.select_for_update().filter(route=route, ended_at__isnull=True).last()
    if consult is None:
        return None
    consult.ended_at = at
    consult.outcome = outcome
    consult.save(update_fields=["ended_at", "outcome"])
    if outcome == ConsultOutcome.TOOK_BACK and consult.consultant_id is not None:
        profile = OperatorProfile.objects.select_for_update().get(pk=consult.consultant_id)
        if profile.current_call_id == route.call_id and profile.state == OperatorState.OFFERED:
            # Given up before the second line answered: the consultant keeps their place.
            operator_state_move(profile=profile, state=OperatorState.AVAILABLE, at=at, keep_idle_since=True)
        elif profile.current_call_id == route.call_id:
            operator_state_move(profile=profile, state=OperatorState.WRAP_UP, at=at, call=route.call)
    event_record(
        subject=_call_locked(route.call),
        kind="call.consult_ended",
        actor=None,
        data={"outcome": outcome, "seconds": round((at - consult.started_at).total_seconds())},
    )
    return consult


@transaction.atomic
def call_transferred(*, route: CallRoute, agent: str, at: datetime) -> None:
    """The first-line operator handed the call over: they go to wrap-up, the target takes the call."""
    target = _profile(agent)
    consult = Consult.objects.select_for_update().filter(route=route, ended_at__isnull=True).last()
    if consult is not None:
        consult.ended_at = at
        consult.outcome = ConsultOutcome.TRANSFERRED
        if target is not None:
            consult.consultant = target
        consult.save(update_fields=["ended_at", "outcome", "consultant"])
    previous = route.operator
    if previous is not None:
        locked = OperatorProfile.objects.select_for_update().get(pk=previous.pk)
        if locked.current_call_id == route.call_id:
            operator_state_move(profile=locked, state=OperatorState.WRAP_UP, at=at, call=route.call)
    if target is not None:
        if target.state != OperatorState.ON_CALL or target.current_call_id != route.call_id:
            # The consultant is already on this call since the consult's answer: no second move.
            operator_state_move(profile=target, state=OperatorState.ON_CALL, at=at, call=route.call)
        route.operator = target
        route.state = RouteState.CONNECTED
        route.save(update_fields=["operator", "state"])
    event_record(
        subject=_call_locked(route.call),
        kind="call.transferred",
        actor=None,
        data={
            "from": previous.user.get_username() if previous is not None else "",
            "to": target.user.get_username() if target is not None else agent,
            "consulted": consult is not None,
        },
    )
