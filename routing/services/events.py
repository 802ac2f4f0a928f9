"""What the phone system reports, applied to the router: the route's state and the operator's.

``telephony`` applies each event to the call log and then calls ``RoutedCalls.event_applied``
in the same transaction (``telephony.ports``). Repeated and out-of-order events stay harmless:
each move checks where the route and the operator are before it writes.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from dispatch.choices import TelephonyEventType as E
from dispatch.models import Call
from dispatch.services import callback_request_by_caller
from routing.choices import OperatorState, RouteState
from routing.models import CallRoute, OperatorProfile
from routing.services.consults import call_transferred, consult_ended, consult_started
from routing.services.operators import operator_state_move

WAITING = (RouteState.NEW, RouteState.QUEUED, RouteState.RESERVED, RouteState.OFFERED)
OVER = (RouteState.ABANDONED, RouteState.ENDED, RouteState.FORWARDED, RouteState.CALLBACK)


def _operator(route: CallRoute, agent: str) -> OperatorProfile | None:
    profiles = OperatorProfile.objects.select_for_update()
    if agent:
        named = profiles.filter(user__username=agent).first() or profiles.filter(extension=agent).first()
        if named is not None:
            return named
    return profiles.filter(pk=route.operator_id).first() if route.operator_id else None


def _release_offer(route: CallRoute, *, at: datetime) -> None:
    """The caller left while a phone rang: the operator goes back to free, keeping their place."""
    if route.operator_id is None:
        return
    operator = OperatorProfile.objects.select_for_update().get(pk=route.operator_id)
    if operator.state == OperatorState.OFFERED and operator.current_call_id == route.call_id:
        operator_state_move(profile=operator, state=OperatorState.AVAILABLE, at=at, keep_idle_since=True)


def _finish(route: CallRoute, *, state: str, at: datetime) -> None:
    route.state = state
    route.finished_at = at
    route.save(update_fields=["state", "finished_at", "operator"])


class RoutedCalls:
    """The router's side of ``telephony.ports.CallRouting``."""

    def event_applied(
        self, *, call: Call, event: str, occurred_at: datetime, agent: str, callback_at: datetime | None
    ) -> None:
        if event == E.RING:
            return
        route = CallRoute.objects.select_for_update().filter(call=call).first()
        if route is None:
            # A phone system that routes by itself still tells us who answered and hung up.
            route = CallRoute.objects.create(call=call, arrived_at=call.received_at)
        at = occurred_at
        if event == E.OFFERED:
            operator = _operator(route, agent)
            if (
                route.state in (RouteState.NEW, RouteState.QUEUED, RouteState.RESERVED)
                and operator is not None
            ):
                route.state, route.operator = RouteState.OFFERED, operator
                route.save(update_fields=["state", "operator"])
        elif event == E.ANSWER:
            operator = _operator(route, agent)
            if route.state in WAITING:
                route.state, route.connected_at = RouteState.CONNECTED, at
                route.operator = operator or route.operator
                route.save(update_fields=["state", "connected_at", "operator"])
                if operator is not None and operator.state != OperatorState.ON_CALL:
                    operator_state_move(profile=operator, state=OperatorState.ON_CALL, at=at, call=call)
        elif event == E.HANGUP:
            if route.state == RouteState.CONNECTED:
                operator = _operator(route, "")
                _finish(route, state=RouteState.ENDED, at=at)
                if operator is not None and operator.current_call_id == call.pk:
                    operator_state_move(profile=operator, state=OperatorState.WRAP_UP, at=at, call=call)
            elif route.state in WAITING:
                # Hung up before anyone answered: for the caller, that is abandoning.
                _release_offer(route, at=at)
                _finish(route, state=RouteState.ABANDONED, at=at)
        elif event == E.ABANDONED:
            if route.state in WAITING:
                _release_offer(route, at=at)
                _finish(route, state=RouteState.ABANDONED, at=at)
        elif event == E.CALLBACK_REQUESTED:
            if route.state not in (RouteState.CONNECTED, RouteState.ENDED):
                _release_offer(route, at=at)
                wait = route.announced_wait_seconds or 0
                due = callback_at or at + timedelta(seconds=wait)
                callback_request_by_caller(call=call, due_at=max(due, at))
                if route.state not in OVER:
                    _finish(route, state=RouteState.CALLBACK, at=at)
        elif event == E.CONSULT_STARTED:
            consult_started(route=route, agent=agent, at=at)
        elif event == E.CONSULT_ENDED:
            consult_ended(route=route, at=at)
        elif event == E.TRANSFERRED:
            call_transferred(route=route, agent=agent, at=at)
