"""The on-call rotas over the API. Operators, supervisors and technicians read (technicians
their own teams'); a rota and an override are set by a supervisor or the team's leader, a swap
is asked by the technician on call and decided by them; anyone else hears 403 from the service,
a swap already decided 409."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dispatch.api.permissions import HasActionRole
from dispatch.choices import Role
from dispatch.inputs import id_parse
from oncall import selectors, services
from oncall.models import Rota, RotaCover

from .serializers import (
    CoverSerializer,
    DecideSerializer,
    OnCallNowSerializer,
    OverrideWriteSerializer,
    RotaSerializer,
    RotaWriteSerializer,
    SpanQuerySerializer,
    SpanSerializer,
    SwapWriteSerializer,
)

NOT_FOUND = OpenApiResponse(description="No such rota or cover, or not one of your teams'.")
REFUSED = {
    400: OpenApiResponse(description="Invalid input, keyed by field."),
    403: OpenApiResponse(description="Not a supervisor nor the team's leader (a swap: not a technician)."),
    404: NOT_FOUND,
}
CONFLICT = OpenApiResponse(description="The swap or cover was already decided or withdrawn.")


class _View(APIView):
    permission_classes = [HasActionRole]
    action = "use"
    action_roles = {"use": frozenset({Role.OPERATOR, Role.SUPERVISOR, Role.TECHNICIAN})}


def _rota(request: Request, pk: Any) -> Rota:
    try:
        return selectors.rota_get_for_user(user=request.user, pk=id_parse(str(pk)) or 0)
    except Rota.DoesNotExist:
        raise NotFound() from None


def _cover(request: Request, pk: Any) -> RotaCover:
    try:
        return selectors.cover_get_for_user(user=request.user, pk=id_parse(str(pk)) or 0)
    except RotaCover.DoesNotExist:
        raise NotFound() from None


def _rota_data(rota: Rota) -> dict[str, Any]:
    return dict(RotaSerializer(Rota.objects.prefetch_related("members").get(pk=rota.pk)).data)


def _save(request: Request, rota: Rota | None) -> Rota:
    payload = RotaWriteSerializer(data=request.data)
    payload.is_valid(raise_exception=True)
    data = payload.validated_data
    if rota is not None and data["team"].pk != rota.team_id:
        raise PermissionDenied("A rota stays with its team.")
    if data["team"] not in selectors.oncall_teams_visible_to(user=request.user):
        raise PermissionDenied("Not one of your teams.")
    return services.rota_save(actor=request.user, rota=rota, **data)


class RotaListView(_View):
    """The active rotas of the teams you may read."""

    @extend_schema(responses={200: RotaSerializer(many=True)})
    def get(self, request: Request) -> Response:
        rows = Rota.objects.filter(team__in=selectors.oncall_teams_visible_to(user=request.user))
        return Response(RotaSerializer(rows.prefetch_related("members"), many=True).data)

    @extend_schema(request=RotaWriteSerializer, responses={201: RotaSerializer, **REFUSED})
    def post(self, request: Request) -> Response:
        """A team's weekly rota: its hand-over and its technicians in turn order."""
        return Response(_rota_data(_save(request, None)), status=status.HTTP_201_CREATED)


class RotaDetailView(_View):
    @extend_schema(responses={200: RotaSerializer, 404: NOT_FOUND})
    def get(self, request: Request, pk: int) -> Response:
        return Response(_rota_data(_rota(request, pk)))

    @extend_schema(request=RotaWriteSerializer, responses={200: RotaSerializer, **REFUSED})
    def put(self, request: Request, pk: int) -> Response:
        return Response(_rota_data(_save(request, _rota(request, pk))))


class RotaSpansView(_View):
    """Who is on call for the rota between ``from`` and ``to``: the rotation cut by the approved
    covers."""

    @extend_schema(
        parameters=[SpanQuerySerializer],
        responses={200: SpanSerializer(many=True), 400: REFUSED[400], 404: NOT_FOUND},
    )
    def get(self, request: Request, pk: int) -> Response:
        rota = _rota(request, pk)
        query = SpanQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        start = query.validated_data.get("from") or timezone.now()
        end = query.validated_data.get("to") or start + timedelta(days=28)
        if end <= start or end - start > timedelta(days=92):
            return Response({"to": ["The end comes after the start, at most 92 days on."]}, status=400)
        return Response(SpanSerializer(selectors.rota_spans(rota=rota, start=start, end=end), many=True).data)


class RotaCoversView(_View):
    """The rota's covers (overrides and swaps, any status), latest first."""

    @extend_schema(responses={200: CoverSerializer(many=True), 404: NOT_FOUND})
    def get(self, request: Request, pk: int) -> Response:
        rota = _rota(request, pk)
        rows = RotaCover.objects.filter(rota=rota).order_by("-starts_at", "-pk")[:200]
        return Response(CoverSerializer(rows, many=True).data)


class OverrideView(_View):
    @extend_schema(request=OverrideWriteSerializer, responses={201: CoverSerializer, **REFUSED})
    def post(self, request: Request, pk: int) -> Response:
        """Put a technician on call for a span (at most 31 days), approved as it is set."""
        rota = _rota(request, pk)
        payload = OverrideWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        cover = services.override_set(actor=request.user, rota=rota, **payload.validated_data)
        return Response(CoverSerializer(cover).data, status=status.HTTP_201_CREATED)


class SwapView(_View):
    @extend_schema(request=SwapWriteSerializer, responses={201: CoverSerializer, **REFUSED})
    def post(self, request: Request, pk: int) -> Response:
        """The technician on call asks a colleague to take a span of its turn."""
        rota = _rota(request, pk)
        payload = SwapWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        cover = services.swap_request(actor=request.user, rota=rota, **payload.validated_data)
        return Response(CoverSerializer(cover).data, status=status.HTTP_201_CREATED)


class CoverDecideView(_View):
    @extend_schema(request=DecideSerializer, responses={200: CoverSerializer, **REFUSED, 409: CONFLICT})
    def post(self, request: Request, pk: int) -> Response:
        """Approve or refuse a requested swap (the team's leader or a supervisor)."""
        cover = _cover(request, pk)
        payload = DecideSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        cover = services.swap_decide(
            actor=request.user, cover=cover, approve=payload.validated_data["approve"]
        )
        return Response(CoverSerializer(cover).data)


class CoverWithdrawView(_View):
    @extend_schema(
        request=None, responses={200: CoverSerializer, 403: REFUSED[403], 404: NOT_FOUND, 409: CONFLICT}
    )
    def post(self, request: Request, pk: int) -> Response:
        """Withdraw a cover: the one who asked a swap not yet decided, or the leader any cover."""
        cover = services.cover_withdraw(actor=request.user, cover=_cover(request, pk))
        return Response(CoverSerializer(cover).data)


class OnCallNowView(_View):
    """Per team you may read: who is on call now, and in its backup team."""

    @extend_schema(responses={200: OnCallNowSerializer(many=True)})
    def get(self, request: Request) -> Response:
        teams = list(selectors.oncall_teams_visible_to(user=request.user).order_by("name"))
        ids = {t.pk for t in teams} | {t.backup_team_id for t in teams if t.backup_team_id}
        on_call = selectors.on_call_by_team(at=timezone.now(), team_ids=ids)
        rows = [
            {
                "team": t.pk,
                "team_name": t.name,
                "on_call": on_call.get(t.pk, []),
                "backup_team": t.backup_team_id,
                "backup_on_call": on_call.get(t.backup_team_id, []) if t.backup_team_id else [],
            }
            for t in teams
        ]
        return Response(OnCallNowSerializer(rows, many=True).data)
