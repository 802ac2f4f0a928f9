"""The router's live side over the API: the wallboard, the operator's own state and a
supervisor's change of another's, the day's abandoned calls and the route a call took.

Staff only (operators and supervisors; setting another operator's state: supervisors): a plain
APIView checks its one action's roles whatever the method, so a refused role hears 403 before
a row is looked up or a method is matched."""

from datetime import datetime, time, timedelta
from typing import Any

from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dispatch import selectors as dispatch_selectors
from dispatch.access import found_or_404
from dispatch.api.permissions import HasActionRole
from dispatch.api.schema import refusal
from dispatch.choices import STAFF_ROLES, Role
from routing import selectors
from routing.choices import OperatorState
from routing.models import CallRoute, Consult, OperatorProfile, RoutingDecision
from routing.services.operators import operator_state_choose
from routing.states import CONSOLE_TARGETS, console_change_allowed

from .live_serializers import (
    AbandonedCallSerializer,
    AbandonedQuerySerializer,
    CallRouteSerializer,
    OperatorStateChoiceSerializer,
    OperatorStateSerializer,
    WallboardSerializer,
)


class _StaffView(APIView):
    permission_classes = [HasActionRole]
    action = "use"
    action_roles = {"use": STAFF_ROLES}


def _state_data(profile: OperatorProfile | None, username: str) -> dict[str, Any]:
    """The state as the console shows it; before first use, an operator is signed off."""
    state = OperatorState(profile.state if profile is not None else OperatorState.SIGNED_OFF)
    return {
        "operator": profile.pk if profile is not None else None,
        "username": username,
        "state": state.value,
        "state_label": str(state.label),
        "state_since": profile.state_since if profile is not None else None,
        "pause_reason": profile.pause_reason if profile is not None else "",
        "wrap_up_until": profile.wrap_up_until if profile is not None else None,
        "current_call": profile.current_call_id if profile is not None else None,
        "choices": sorted(t for t in CONSOLE_TARGETS if t != state and console_change_allowed(state, t)),
    }


def _choose(request: Request, profile: OperatorProfile | None) -> OperatorProfile:
    payload = OperatorStateChoiceSerializer(data=request.data)
    payload.is_valid(raise_exception=True)
    return operator_state_choose(actor=request.user, profile=profile, **payload.validated_data)


class WallboardView(_StaffView):
    """The wallboard's figures now: calls waiting per queue with the longest wait, operators by
    state, answered within 120 s today per line, answered and abandoned today."""

    @extend_schema(responses={200: WallboardSerializer})
    def get(self, request: Request) -> Response:
        return Response(WallboardSerializer(selectors.wallboard()).data)


class MyStateView(_StaffView):
    """The signed-in operator's state; POST chooses available, paused (with a reason) or signed
    off. A ringing or live call cannot be left from the console (409)."""

    @extend_schema(responses={200: OperatorStateSerializer})
    def get(self, request: Request) -> Response:
        user: Any = request.user  # signed in: the permission checked it
        profile = OperatorProfile.objects.filter(user=user).first()
        return Response(OperatorStateSerializer(_state_data(profile, request.user.username)).data)

    @extend_schema(request=OperatorStateChoiceSerializer, responses={200: OperatorStateSerializer})
    def post(self, request: Request) -> Response:
        profile = _choose(request, None)
        return Response(OperatorStateSerializer(_state_data(profile, request.user.username)).data)


class OperatorStateView(APIView):
    """A supervisor sets another operator's state (signs off someone who left without doing it);
    the same rules as the console's (409 while the operator's call rings or is live)."""

    permission_classes = [HasActionRole]
    action = "set_state"
    action_roles = {"set_state": frozenset({Role.SUPERVISOR})}

    @extend_schema(request=OperatorStateChoiceSerializer, responses={200: OperatorStateSerializer})
    def post(self, request: Request, pk: int) -> Response:
        profile = found_or_404(OperatorProfile.objects.select_related("user"), pk)
        profile = _choose(request, profile)
        return Response(OperatorStateSerializer(_state_data(profile, profile.user.username)).data)


class AbandonedCallsView(_StaffView):
    """Callers of one day (local time) who hung up while waiting, newest first, with whether a
    callback is already scheduled or made for their call."""

    @extend_schema(parameters=[AbandonedQuerySerializer], responses={200: AbandonedCallSerializer(many=True)})
    def get(self, request: Request) -> Response:
        query = AbandonedQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        day = query.validated_data.get("date") or timezone.localdate()
        start = timezone.make_aware(datetime.combine(day, time.min))
        end = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))
        routes = selectors.abandoned_calls(since=start).filter(finished_at__lt=end)
        rows = [_with_wait(route) for route in routes]
        return Response(AbandonedCallSerializer(rows, many=True).data)


def _with_wait(route: CallRoute) -> CallRoute:
    route.wait_seconds = selectors.route_wait_seconds(route)  # type: ignore[attr-defined]
    return route


class CallRouteView(_StaffView):
    """The route of a call: its class, queue and state, every decision the router gave (time,
    action, operator, target, reason, position and estimated wait) and the second-line consults
    (who, when, how long). 404 for a call the user may not see, or one the router never saw."""

    @extend_schema(
        responses={
            200: CallRouteSerializer,
            404: refusal(404, "No such call, not one this user may see, or not routed."),
        }
    )
    def get(self, request: Request, pk: int) -> Response:
        call = dispatch_selectors.call_get_for_user(user=request.user, pk=pk)
        route = (
            CallRoute.objects.filter(call=call)
            .select_related("caller_class", "queue", "operator__user")
            .prefetch_related(
                Prefetch(
                    "decisions",
                    queryset=RoutingDecision.objects.select_related("operator__user", "queue"),
                ),
                Prefetch(
                    "consults",
                    queryset=Consult.objects.select_related("operator__user", "team", "consultant__user"),
                ),
            )
            .first()
        )
        if route is None:
            raise Http404(_("This call was not routed."))
        return Response(CallRouteSerializer(_with_wait(route)).data)
