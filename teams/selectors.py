"""Reads of the teams: which team covers a plant, who is in a team."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Q, QuerySet

from dispatch.models import Plant

from .choices import AREA_SPECIFICITY, AreaKind, MemberRole
from .models import Team, TeamArea, TeamMembership


def teams_covering(*, plant: Plant) -> list[Team]:
    """The teams whose area covers ``plant``, the most specific first (its own plant, then its
    municipality, then its province; ties by team name). One query."""
    condition = Q(kind=AreaKind.PLANT, plant_id=plant.pk)
    if plant.municipality.strip():
        condition |= Q(kind=AreaKind.MUNICIPALITY, name__iexact=plant.municipality.strip())
    if plant.province.strip():
        condition |= Q(kind=AreaKind.PROVINCE, name__iexact=plant.province.strip())
    pieces = TeamArea.objects.filter(condition).select_related("team", "team__backup_team", "team__leader")
    best: dict[int, tuple[int, Team]] = {}
    for piece in pieces:
        rank = AREA_SPECIFICITY[AreaKind(piece.kind)]
        if piece.team_id not in best or rank < best[piece.team_id][0]:
            best[piece.team_id] = (rank, piece.team)
    return [team for _rank, team in sorted(best.values(), key=lambda item: (item[0], item[1].name))]


def team_members(*, team: Team, role: MemberRole | None = None) -> QuerySet[TeamMembership]:
    rows = TeamMembership.objects.filter(team=team, user__is_active=True).select_related("user")
    return rows.filter(role=role) if role is not None else rows


def teams_of(*, user: AbstractBaseUser) -> QuerySet[Team]:
    return Team.objects.filter(memberships__user_id=user.pk).distinct()


def teams_led_by(*, user: AbstractBaseUser) -> QuerySet[Team]:
    return Team.objects.filter(leader_id=user.pk)
