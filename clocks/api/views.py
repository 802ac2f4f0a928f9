"""The clocks over the API. Case types: staff. A case's clocks: whoever may see the case (its
technician, its utility, the staff), 404 for anyone else; typing and pausing it: staff."""

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clocks import selectors, services
from clocks.models import CaseFile, CaseType, Pause
from clocks.selectors import local_day_bounds
from dispatch import selectors as dispatch_selectors
from dispatch.api.permissions import HasActionRole
from dispatch.choices import STAFF_ROLES, Role
from dispatch.models import Intervention

from .serializers import (
    CaseClocksSerializer,
    CaseTypeChoiceSerializer,
    CaseTypeSerializer,
    FigureSerializer,
    FiguresQuerySerializer,
    PauseSerializer,
)

EVERY_ROLE = frozenset(Role)


class _View(APIView):
    permission_classes = [HasActionRole]
    action = "use"
    action_roles = {"use": STAFF_ROLES}


def case_clocks_data(intervention: Intervention) -> dict[str, Any]:
    case_file = (
        CaseFile.objects.filter(intervention=intervention).select_related("case_type", "caller_class").first()
    )
    pause = Pause.objects.filter(intervention=intervention, ended_at__isnull=True).first()
    clocks = selectors.case_clocks([intervention.pk], now=timezone.now()).get(intervention.pk, [])
    return {
        "intervention": intervention.pk,
        "case_type": case_file.case_type.code if case_file is not None else None,
        "caller_class": case_file.caller_class.code if case_file and case_file.caller_class else None,
        "reach": case_file.reach if case_file is not None else None,
        "paused": {"reason": pause.reason, "note": pause.note, "since": pause.started_at} if pause else None,
        "clocks": [
            {"metric": c.metric, "state": c.state, "due_at": c.due_at, "stopped_at": c.stopped_at}
            for c in clocks
        ],
    }


class CaseTypesView(_View):
    """The case types with their targets (metric, priority and caller class or any, amount and
    unit, calendar, the share after which a clock shows amber)."""

    @extend_schema(responses={200: CaseTypeSerializer(many=True)})
    def get(self, request: Request) -> Response:
        types = CaseType.objects.prefetch_related("targets__caller_class", "targets__calendar").order_by(
            "name"
        )
        return Response(CaseTypeSerializer(types, many=True).data)


class CaseClocksView(_View):
    """A case's type and clocks as they read now: running, amber (close to its target), late,
    paused, met or met late, each with its due instant."""

    action_roles = {"use": EVERY_ROLE}

    @extend_schema(responses={200: CaseClocksSerializer})
    def get(self, request: Request, pk: int) -> Response:
        intervention = dispatch_selectors.intervention_get_for_user(user=request.user, pk=pk)
        return Response(CaseClocksSerializer(case_clocks_data(intervention)).data)


class CaseTypeSetView(_View):
    """Give the case its type (or a new one): the clocks not yet stopped start again, from the
    call's start, on the new type's targets for the case's priority and the caller's class."""

    @extend_schema(request=CaseTypeChoiceSerializer, responses={200: CaseClocksSerializer})
    def post(self, request: Request, pk: int) -> Response:
        intervention = dispatch_selectors.intervention_get_for_user(user=request.user, pk=pk)
        payload = CaseTypeChoiceSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.case_file_set(actor=request.user, intervention=intervention, **payload.validated_data)
        return Response(CaseClocksSerializer(case_clocks_data(intervention)).data)


class CasePauseView(_View):
    """The case waits on the customer, parts, access or a third party: its clocks stop."""

    @extend_schema(request=PauseSerializer, responses={201: CaseClocksSerializer})
    def post(self, request: Request, pk: int) -> Response:
        intervention = dispatch_selectors.intervention_get_for_user(user=request.user, pk=pk)
        payload = PauseSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.pause_start(actor=request.user, intervention=intervention, **payload.validated_data)
        return Response(
            CaseClocksSerializer(case_clocks_data(intervention)).data, status=status.HTTP_201_CREATED
        )


class CaseResumeView(_View):
    """The wait is over: the clocks run again, due later by the open time the pause took."""

    @extend_schema(request=None, responses={200: CaseClocksSerializer})
    def post(self, request: Request, pk: int) -> Response:
        intervention = dispatch_selectors.intervention_get_for_user(user=request.user, pk=pk)
        services.pause_end(actor=request.user, intervention=intervention)
        return Response(CaseClocksSerializer(case_clocks_data(intervention)).data)


class FiguresView(_View):
    """How the clocks started in a period did, per case type, metric, priority and caller class:
    met within target, late, still running, and the share met. Staff see every case; a utility
    user its customer's."""

    action_roles = {"use": frozenset({Role.OPERATOR, Role.SUPERVISOR, Role.UTILITY})}

    @extend_schema(parameters=[FiguresQuerySerializer], responses={200: FigureSerializer(many=True)})
    def get(self, request: Request) -> Response:
        query = FiguresQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        start, end = local_day_bounds(query.validated_data["date_from"], query.validated_data["date_to"])
        rows = selectors.clock_figures(
            interventions=dispatch_selectors.intervention_list_for_user(user=request.user),
            start=start,
            end=end,
            now=timezone.now(),
        )
        data = [{**row.__dict__, "share": row.share} for row in rows]
        return Response(FigureSerializer(data, many=True).data)
