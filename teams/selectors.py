"""Reads of the teams: which team covers a plant, who is in a team."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Prefetch, Q, QuerySet
from django.db.models.functions import Lower

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


def teams_covering_many(*, plants: Iterable[Plant]) -> dict[int, list[Team]]:
    """``teams_covering`` for many plants at once (the escalation sweep's thousands of cases):
    per plant id, its teams, the most specific first. One query."""
    plants = list(plants)
    if not plants:
        return {}
    municipalities = {p.municipality.strip().lower() for p in plants if p.municipality.strip()}
    provinces = {p.province.strip().lower() for p in plants if p.province.strip()}
    condition = Q(kind=AreaKind.PLANT, plant_id__in=[p.pk for p in plants])
    condition |= Q(kind=AreaKind.MUNICIPALITY, name_lower__in=municipalities)
    condition |= Q(kind=AreaKind.PROVINCE, name_lower__in=provinces)
    pieces = list(
        TeamArea.objects.annotate(name_lower=Lower("name"))
        .filter(condition)
        .select_related("team", "team__backup_team", "team__leader")
    )
    by_key: dict[tuple[str, str], list[TeamArea]] = {}
    for piece in pieces:
        key = str(piece.plant_id) if piece.kind == AreaKind.PLANT else piece.name.strip().lower()
        by_key.setdefault((piece.kind, key), []).append(piece)
    covering: dict[int, list[Team]] = {}
    for plant in plants:
        keys = [
            (AreaKind.PLANT, str(plant.pk)),
            (AreaKind.MUNICIPALITY, plant.municipality.strip().lower()),
            (AreaKind.PROVINCE, plant.province.strip().lower()),
        ]
        best: dict[int, tuple[int, Team]] = {}
        for kind, key in keys:
            for area in by_key.get((kind, key), []) if key else []:
                rank = AREA_SPECIFICITY[kind]
                if area.team_id not in best or rank < best[area.team_id][0]:
                    best[area.team_id] = (rank, area.team)
        covering[plant.pk] = [team for _r, team in sorted(best.values(), key=lambda i: (i[0], i[1].name))]
    return covering


def team_members(*, team: Team, role: MemberRole | None = None) -> QuerySet[TeamMembership]:
    rows = TeamMembership.objects.filter(team=team, user__is_active=True).select_related("user")
    return rows.filter(role=role) if role is not None else rows


def teams_of(*, user: AbstractBaseUser) -> QuerySet[Team]:
    return Team.objects.filter(memberships__user_id=user.pk).distinct()


def teams_led_by(*, user: AbstractBaseUser) -> QuerySet[Team]:
    return Team.objects.filter(leader_id=user.pk)


def team_codes_of_plants(plant_ids: Iterable[int]) -> dict[int, str]:
    """For each plant, the code of the team whose most specific piece of area covers it (ties by
    team name; no team: absent). Two queries, whatever the number of plants: the figures per
    team read thousands of cases at once."""
    plants = list(Plant.objects.filter(pk__in=set(plant_ids)).values_list("pk", "municipality", "province"))
    pieces = list(TeamArea.objects.values_list("kind", "plant_id", "name", "team__code", "team__name"))
    by_plant: dict[int, list[tuple[str, str]]] = {}
    by_name: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for kind, plant_id, name, code, team_name in pieces:
        if kind == AreaKind.PLANT:
            by_plant.setdefault(plant_id, []).append((team_name, code))
        else:
            by_name.setdefault((kind, name.strip().casefold()), []).append((team_name, code))
    found: dict[int, str] = {}
    for pk, municipality, province in plants:
        for candidates in (
            by_plant.get(pk),
            by_name.get((AreaKind.MUNICIPALITY, municipality.strip().casefold())),
            by_name.get((AreaKind.PROVINCE, province.strip().casefold())),
        ):
            if candidates:
                found[pk] = min(candidates)[1]
                break
    return found


def teams_with_people() -> QuerySet[Team]:
    """The teams by name with their leader, backup team, members (operators first, by username)
    and areas, in a constant number of queries, for the teams' pages and API."""
    members = TeamMembership.objects.select_related("user").order_by("role", "user__username")
    return (
        Team.objects.select_related("leader", "backup_team")
        .prefetch_related(
            Prefetch("memberships", members), Prefetch("areas", TeamArea.objects.select_related("plant"))
        )
        .order_by("name")
    )
