"""The teams over the API. Operators and supervisors read every team; supervisors change its
members, area, leader and backup team (anyone else hears 403 from the service)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dispatch.api.permissions import HasActionRole
from dispatch.choices import STAFF_ROLES
from dispatch.inputs import id_parse
from teams import services
from teams.changes import team_changes
from teams.models import Team, TeamArea, TeamChange
from teams.selectors import teams_with_people

from .serializers import (
    AreaWriteSerializer,
    LeadershipSerializer,
    MemberWriteSerializer,
    RegionalTeamSerializer,
    TeamAreaSerializer,
    TeamChangeSerializer,
)

NOT_FOUND = OpenApiResponse(description="No such team (or member, or piece of area).")
REFUSED = {
    400: OpenApiResponse(description="Invalid input, keyed by field."),
    403: OpenApiResponse(description="Not a supervisor."),
    404: NOT_FOUND,
}


class _View(APIView):
    permission_classes = [HasActionRole]
    action = "use"
    action_roles = {"use": STAFF_ROLES}


def _id(pk: Any) -> int:
    number = id_parse(str(pk))
    if number is None:
        raise NotFound()
    return number


def _team(pk: Any) -> Team:
    team = teams_with_people().filter(pk=_id(pk)).first()
    if team is None:
        raise NotFound()
    return team


def _read(team: Team) -> dict[str, Any]:
    return dict(RegionalTeamSerializer(_team(team.pk)).data)


class TeamListView(_View):
    """Every team with its leader, backup team, members and area."""

    @extend_schema(responses={200: RegionalTeamSerializer(many=True)})
    def get(self, request: Request) -> Response:
        return Response(RegionalTeamSerializer(teams_with_people(), many=True).data)


class TeamDetailView(_View):
    @extend_schema(responses={200: RegionalTeamSerializer, 404: NOT_FOUND})
    def get(self, request: Request, pk: int) -> Response:
        return Response(RegionalTeamSerializer(_team(pk)).data)


class TeamMembersView(_View):
    @extend_schema(request=MemberWriteSerializer, responses={200: RegionalTeamSerializer, **REFUSED})
    def post(self, request: Request, pk: int) -> Response:
        """Put a person in the team as an operator or a technician (or change how)."""
        team = _team(pk)
        payload = MemberWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.team_member_set(actor=request.user, team=team, **payload.validated_data)
        return Response(_read(team))


class TeamMemberView(_View):
    @extend_schema(request=None, responses={204: None, **REFUSED})
    def delete(self, request: Request, pk: int, user_id: int) -> Response:
        team = _team(pk)
        user = get_user_model().objects.filter(pk=_id(user_id)).first()
        if user is None:
            raise NotFound()
        services.team_member_remove(actor=request.user, team=team, user=user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TeamAreasView(_View):
    @extend_schema(request=AreaWriteSerializer, responses={201: TeamAreaSerializer, **REFUSED})
    def post(self, request: Request, pk: int) -> Response:
        """Add a plant, a municipality or a province to the team's area."""
        team = _team(pk)
        payload = AreaWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        area = services.team_area_add(actor=request.user, team=team, **payload.validated_data)
        return Response(TeamAreaSerializer(area).data, status=status.HTTP_201_CREATED)


class TeamAreaView(_View):
    @extend_schema(request=None, responses={204: None, 403: REFUSED[403], 404: NOT_FOUND})
    def delete(self, request: Request, pk: int, area_id: int) -> Response:
        area = TeamArea.objects.filter(pk=_id(area_id), team_id=_id(pk)).select_related("team").first()
        if area is None:
            raise NotFound()
        services.team_area_remove(actor=request.user, area=area)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TeamLeadershipView(_View):
    @extend_schema(request=LeadershipSerializer, responses={200: RegionalTeamSerializer, **REFUSED})
    def put(self, request: Request, pk: int) -> Response:
        """Set the leader and the backup team (never a team that falls back on this one)."""
        team = _team(pk)
        payload = LeadershipSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.team_leadership_set(actor=request.user, team=team, **payload.validated_data)
        return Response(_read(team))


class TeamChangesView(_View):
    """The team's latest 50 changes, newest first."""

    @extend_schema(responses={200: TeamChangeSerializer(many=True), 404: NOT_FOUND})
    def get(self, request: Request, pk: int) -> Response:
        team = _team(pk)
        rows = list(TeamChange.objects.filter(team=team).select_related("actor")[:50])
        for row, line in zip(rows, team_changes(team=team), strict=True):
            setattr(row, "summary", line.text)  # noqa: B010 (read by the serializer)
        return Response(TeamChangeSerializer(rows, many=True).data)
