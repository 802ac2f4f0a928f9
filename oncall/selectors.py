"""Who is on call: the rotation's week, cut by the approved covers (overrides and swaps).

The hand-over is a wall-clock time (Monday 08:00 stays 08:00 across a daylight-saving change),
so a rota's weeks are counted on local naive datetimes and only then made aware."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.utils import timezone

from dispatch.choices import Role
from dispatch.models import Plant
from dispatch.roles import has_role
from teams.models import Team
from teams.selectors import teams_covering

from .choices import CoverKind, CoverStatus, OnCallSource
from .models import Rota, RotaCover, RotaMember

WEEK = timedelta(days=7)


@dataclass(frozen=True)
class OnCallSpan:
    """``user_id`` on call for ``rota_id`` from ``starts_at`` to ``ends_at`` (aware)."""

    rota_id: int
    user_id: int
    starts_at: datetime
    ends_at: datetime
    source: OnCallSource
    replaced_id: int | None = None
    cover_id: int | None = None


@dataclass(frozen=True)
class OnCallCandidate:
    """A technician on call for a plant: through the team that covers it, or its backup team."""

    user: AbstractBaseUser
    team: Team
    via_backup: bool


def first_handover(rota: Rota) -> date:
    """``starts_on`` moved forward to the hand-over's weekday."""
    return rota.starts_on + timedelta(days=(rota.handover_weekday - rota.starts_on.weekday()) % 7)


def handover_at(rota: Rota, week: int) -> datetime:
    """The ``week``-th hand-over (0: the first), aware, at its local wall-clock time."""
    local = datetime.combine(first_handover(rota) + week * WEEK, rota.handover_time)
    return timezone.make_aware(local)


def week_of(rota: Rota, at: datetime) -> int:
    """Which week of the rota ``at`` falls in (negative: before it starts)."""
    local = timezone.localtime(at).replace(tzinfo=None)
    since = local - datetime.combine(first_handover(rota), rota.handover_time)
    return math.floor(since / WEEK)


def _rotation(rota: Rota, members: Sequence[int], start: datetime, end: datetime) -> list[OnCallSpan]:
    if not members:
        return []
    spans = []
    week = max(week_of(rota, start), 0)
    while True:
        begins, ends = handover_at(rota, week), handover_at(rota, week + 1)
        if begins >= end:
            break
        if ends > start:
            spans.append(
                OnCallSpan(
                    rota.pk,
                    members[week % len(members)],
                    max(begins, start),
                    min(ends, end),
                    OnCallSource.ROTATION,
                )
            )
        week += 1
    return spans


def _covered(spans: list[OnCallSpan], cover: RotaCover, start: datetime, end: datetime) -> list[OnCallSpan]:
    """``spans`` with ``cover``'s time given to its technician."""
    begins, ends = max(cover.starts_at, start), min(cover.ends_at, end)
    if begins >= ends:
        return spans
    kept: list[OnCallSpan] = []
    for span in spans:
        if span.ends_at <= begins or span.starts_at >= ends:
            kept.append(span)
            continue
        if span.starts_at < begins:
            kept.append(replace(span, ends_at=begins))
        if span.ends_at > ends:
            kept.append(replace(span, starts_at=ends))
    source = OnCallSource.SWAP if cover.kind == CoverKind.SWAP else OnCallSource.OVERRIDE
    kept.append(OnCallSpan(cover.rota_id, cover.user_id, begins, ends, source, cover.replaced_id, cover.pk))
    return sorted(kept, key=lambda span: span.starts_at)


def _members_by_rota(rota_ids: Iterable[int]) -> dict[int, list[int]]:
    members: dict[int, list[int]] = defaultdict(list)
    rows = RotaMember.objects.filter(rota_id__in=list(rota_ids), user__is_active=True).order_by(
        "rota_id", "position"
    )
    for rota_id, user_id in rows.values_list("rota_id", "user_id"):
        members[rota_id].append(user_id)
    return members


def _covers_by_rota(rota_ids: Iterable[int], start: datetime, end: datetime) -> dict[int, list[RotaCover]]:
    covers: dict[int, list[RotaCover]] = defaultdict(list)
    rows = RotaCover.objects.filter(
        rota_id__in=list(rota_ids), status=CoverStatus.APPROVED, starts_at__lt=end, ends_at__gt=start
    ).order_by("decided_at", "pk")
    for cover in rows:
        covers[cover.rota_id].append(cover)
    return covers


def rota_spans(*, rota: Rota, start: datetime, end: datetime) -> list[OnCallSpan]:
    """Who is on call for ``rota`` between ``start`` and ``end``: the rotation, then each approved
    cover in the order it was approved (the later wins where two overlap). Three queries."""
    members = _members_by_rota([rota.pk])[rota.pk]
    spans = _rotation(rota, members, start, end)
    for cover in _covers_by_rota([rota.pk], start, end)[rota.pk]:
        spans = _covered(spans, cover, start, end)
    return spans


def on_call_by_team(*, at: datetime, team_ids: Iterable[int] | None = None) -> dict[int, list[int]]:
    """For each team (all, or ``team_ids``), the ids of its technicians on call at ``at``, one
    per active rota, in the rotas' order. Three queries, whatever the number of teams: the
    escalation sweep asks for thousands of chains at once."""
    rotas = Rota.objects.filter(active=True).order_by("team_id", "name", "pk")
    if team_ids is not None:
        rotas = rotas.filter(team_id__in=list(team_ids))
    rotas_list = list(rotas)
    ids = [rota.pk for rota in rotas_list]
    members = _members_by_rota(ids)
    instant = at + timedelta(microseconds=1)
    covers = _covers_by_rota(ids, at, instant)
    result: dict[int, list[int]] = defaultdict(list)
    for rota in rotas_list:
        spans = _rotation(rota, members.get(rota.pk, []), at, instant)
        for cover in covers.get(rota.pk, []):
            spans = _covered(spans, cover, at, instant)
        for span in spans:
            if span.user_id not in result[rota.team_id]:
                result[rota.team_id].append(span.user_id)
    return dict(result)


def on_call_for_plant(*, plant: Plant, at: datetime) -> list[OnCallCandidate]:
    """The technicians on call for ``plant`` at ``at``: of the teams that cover it (most specific
    first), then of their backup teams. Empty when nobody is: the caller says so."""
    teams = teams_covering(plant=plant)
    backups = [
        team.backup_team for team in teams if team.backup_team is not None and team.backup_team not in teams
    ]
    on_call = on_call_by_team(at=at, team_ids=[team.pk for team in teams + backups])
    users = get_user_model().objects.in_bulk({uid for ids in on_call.values() for uid in ids})
    candidates: list[OnCallCandidate] = []
    seen: set[int] = set()
    for team, via_backup in [(team, False) for team in teams] + [(team, True) for team in backups]:
        for user_id in on_call.get(team.pk, []):
            if user_id not in seen and user_id in users:
                seen.add(user_id)
                candidates.append(OnCallCandidate(users[user_id], team, via_backup))
    return candidates


def user_spans(*, user: AbstractBaseUser, start: datetime, end: datetime) -> list[OnCallSpan]:
    """Every span ``user`` is on call in any rota between ``start`` and ``end`` (their calendar)."""
    rota_ids = set(RotaMember.objects.filter(user_id=user.pk).values_list("rota_id", flat=True))
    rota_ids |= set(
        RotaCover.objects.filter(Q(user_id=user.pk) | Q(replaced_id=user.pk), status=CoverStatus.APPROVED)
        .filter(starts_at__lt=end, ends_at__gt=start)
        .values_list("rota_id", flat=True)
    )
    spans: list[OnCallSpan] = []
    for rota in Rota.objects.filter(pk__in=rota_ids, active=True).select_related("team"):
        spans.extend(span for span in rota_spans(rota=rota, start=start, end=end) if span.user_id == user.pk)
    return sorted(spans, key=lambda span: span.starts_at)


def oncall_teams_visible_to(*, user: AbstractBaseUser | AnonymousUser | None) -> QuerySet[Team]:
    """Operators and supervisors read every team's rota (they send the technicians); a
    technician the teams it is in or leads."""
    if has_role(user, Role.OPERATOR, Role.SUPERVISOR):
        return Team.objects.all()
    if user is None or not user.is_authenticated or not has_role(user, Role.TECHNICIAN):
        return Team.objects.none()
    return Team.objects.filter(Q(memberships__user_id=user.pk) | Q(leader_id=user.pk)).distinct()


def rota_get_for_user(*, user: AbstractBaseUser | AnonymousUser | None, pk: int) -> Rota:
    """A rota of a team ``user`` may read; ``Rota.DoesNotExist`` otherwise (a 404)."""
    return Rota.objects.select_related("team").get(pk=pk, team__in=oncall_teams_visible_to(user=user))


def cover_get_for_user(*, user: AbstractBaseUser | AnonymousUser | None, pk: int) -> RotaCover:
    """A cover of a rota ``user`` may read; ``RotaCover.DoesNotExist`` otherwise (a 404)."""
    return RotaCover.objects.select_related("rota__team", "user", "replaced").get(
        pk=pk, rota__team__in=oncall_teams_visible_to(user=user)
    )


def rota_weeks(*, rota: Rota, at: datetime, weeks: int) -> list[tuple[datetime, datetime, list[OnCallSpan]]]:
    """The rota's ``weeks`` weeks from the one running at ``at``: each week's hand-overs and who
    is on call in it (the rotation cut by the approved covers). Four queries."""
    first = max(week_of(rota, at), 0)
    start, end = handover_at(rota, first), handover_at(rota, first + weeks)
    spans = rota_spans(rota=rota, start=start, end=end)
    result = []
    for week in range(first, first + weeks):
        begins, ends = handover_at(rota, week), handover_at(rota, week + 1)
        result.append((begins, ends, [s for s in spans if s.starts_at < ends and s.ends_at > begins]))
    return result
