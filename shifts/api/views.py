"""The shifts over the API. Reading: operators (their own teams' shifts and their own) and
supervisors (every shift). Writing: a supervisor, or the leader of the shift's team; anyone
else with a staff role is refused by the service (403)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dispatch.api.permissions import HasActionRole
from dispatch.choices import STAFF_ROLES
from dispatch.inputs import id_parse
from shifts import selectors, services
from shifts.models import Shift, ShiftPattern

from .serializers import (
    CoverageQuerySerializer,
    CoverageSerializer,
    GeneratedSerializer,
    GenerateSerializer,
    NowQuerySerializer,
    OnShiftSerializer,
    PatternSerializer,
    ShiftListQuerySerializer,
    ShiftSerializer,
    ShiftWriteSerializer,
)

REFUSED = {
    400: OpenApiResponse(description="Invalid input, keyed by field (an overlap is keyed by start)."),
    403: OpenApiResponse(description="Not a supervisor nor the team's leader."),
}


class _View(APIView):
    permission_classes = [HasActionRole]
    action = "use"
    action_roles = {"use": STAFF_ROLES}


def _shift(request: Request, pk: Any) -> Shift:
    number = id_parse(str(pk))
    try:
        if number is None:
            raise Shift.DoesNotExist
        return selectors.shift_get_for_user(user=request.user, pk=number)
    except Shift.DoesNotExist:
        raise NotFound() from None


def _save(request: Request, shift: Shift | None) -> Shift:
    payload = ShiftWriteSerializer(data=request.data)
    payload.is_valid(raise_exception=True)
    return services.shift_save(actor=request.user, shift=shift, **payload.validated_data)


def _read(shift: Shift) -> dict[str, Any]:
    shift = Shift.objects.select_related("user").prefetch_related("lines").get(pk=shift.pk)
    return dict(ShiftSerializer(shift).data)


class ShiftListView(_View):
    """Shifts starting on the local days ``from`` to ``to`` (default: this month), of a team, of
    an operator; earliest first."""

    @extend_schema(
        parameters=[ShiftListQuerySerializer], responses={200: ShiftSerializer(many=True), 400: REFUSED[400]}
    )
    def get(self, request: Request) -> Response:
        query = ShiftListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        rows = selectors.shifts_visible_to(user=request.user).filter(
            day__gte=data["from"], day__lte=data["to"]
        )
        if data.get("team") is not None:
            rows = rows.filter(team=data["team"])
        if data.get("user") is not None:
            rows = rows.filter(user=data["user"])
        rows = rows.select_related("user").prefetch_related("lines").order_by("starts_at", "user_id")
        return Response(ShiftSerializer(rows, many=True).data)

    @extend_schema(request=ShiftWriteSerializer, responses={201: ShiftSerializer, **REFUSED})
    def post(self, request: Request) -> Response:
        """A shift set by hand: local day, start and end (an end not after the start is on the
        next day). Refused when it overlaps another of the operator's shifts."""
        return Response(_read(_save(request, None)), status=status.HTTP_201_CREATED)


class ShiftDetailView(_View):
    @extend_schema(responses={200: ShiftSerializer, 404: OpenApiResponse(description="Not yours to see.")})
    def get(self, request: Request, pk: int) -> Response:
        return Response(_read(_shift(request, pk)))

    @extend_schema(request=ShiftWriteSerializer, responses={200: ShiftSerializer, **REFUSED})
    def put(self, request: Request, pk: int) -> Response:
        """Change the shift: it becomes one set by hand, which generating again leaves alone."""
        return Response(_read(_save(request, _shift(request, pk))))

    @extend_schema(request=None, responses={204: None, 403: REFUSED[403]})
    def delete(self, request: Request, pk: int) -> Response:
        services.shift_delete(actor=request.user, shift=_shift(request, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class GenerateView(_View):
    """A team's month from a pattern (default: for all its operators). Generated shifts not yet
    started are replaced; days with a shift already there are kept."""

    @extend_schema(request=GenerateSerializer, responses={200: GeneratedSerializer, **REFUSED})
    def post(self, request: Request) -> Response:
        payload = GenerateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        result = services.roster_generate(
            actor=request.user, team=data["team"], year=data["year"], month=data["month"],
            pattern=data["pattern"], users=data.get("users") or None,
        )  # fmt: skip
        return Response(GeneratedSerializer(result.__dict__).data)


class OnShiftView(_View):
    """The shifts running now (a night begun yesterday included), of a team, covering a line."""

    @extend_schema(parameters=[NowQuerySerializer], responses={200: OnShiftSerializer, 400: REFUSED[400]})
    def get(self, request: Request) -> Response:
        query = NowQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        now = timezone.now()
        shifts = selectors.on_shift_now(at=now, **query.validated_data)
        return Response(OnShiftSerializer({"at": now, "shifts": shifts}).data)


class CoverageView(_View):
    """For each real hour of the local days (23 on the last Sunday of March, 25 on the last of
    October): who is on shift, and per line how many against its minimum; the gaps below it."""

    @extend_schema(
        parameters=[CoverageQuerySerializer], responses={200: CoverageSerializer, 400: REFUSED[400]}
    )
    def get(self, request: Request) -> Response:
        query = CoverageQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        coverage = selectors.coverage_by_hour(
            date_from=data["from"], date_to=data["to"], line=data.get("line")
        )
        return Response(CoverageSerializer(coverage).data)


def _pattern_data(pattern: ShiftPattern) -> dict[str, Any]:
    fields = ("code", "name", "kind", "cycle_days", "active")
    return {**{name: getattr(pattern, name) for name in fields}, "days": list(pattern.days.all())}


class PatternsView(_View):
    """The shift patterns, each working day of its cycle (the others are off)."""

    @extend_schema(responses={200: PatternSerializer(many=True)})
    def get(self, request: Request) -> Response:
        rows = ShiftPattern.objects.prefetch_related("days").order_by("name")
        return Response(PatternSerializer([_pattern_data(p) for p in rows], many=True).data)

    @extend_schema(
        request=PatternSerializer,
        responses={
            201: PatternSerializer,
            400: REFUSED[400],
            403: OpenApiResponse(description="Not a supervisor."),
        },
    )
    def post(self, request: Request) -> Response:
        """Add a pattern, or change the one with that code (supervisors)."""
        payload = PatternSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        blocks = [(d["index"], d["start"], d["length_minutes"], d["break_minutes"]) for d in data["days"]]
        pattern = services.pattern_save(
            actor=request.user, code=data["code"], name=data["name"], kind=data["kind"],
            cycle_days=data["cycle_days"], blocks=blocks,
        )  # fmt: skip
        return Response(PatternSerializer(_pattern_data(pattern)).data, status=status.HTTP_201_CREATED)
