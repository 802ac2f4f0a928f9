"""Writes of the on-call rotas. A rota is set by a supervisor or its team's leader; an override
too (approved as it is made); a swap is asked by a technician of the rota for a span in which it
is on call, taken by a colleague of the team, and approved or refused by the leader (or a
supervisor). Every change is kept in the team's change log (``teams.models.TeamChange``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.choices import Role
from dispatch.errors import TransitionNotAllowed
from dispatch.roles import AnyUser as Actor
from dispatch.roles import has_role
from teams.choices import MemberRole
from teams.models import Team, TeamChange, TeamMembership

from .choices import CoverKind, CoverStatus
from .models import CalendarFeed, Rota, RotaCover, RotaMember
from .selectors import rota_spans

# A cover longer than this is a change of rota, not a cover.
COVER_MAX = timedelta(days=31)


def may_lead(actor: Actor, team: Team) -> bool:
    """A supervisor, or the team's leader: who sets its rotas and overrides and decides swaps."""
    return has_role(actor, Role.SUPERVISOR) or (
        actor is not None and actor.pk is not None and team.leader_id == actor.pk
    )


def _require_lead(actor: Actor, team: Team) -> None:
    if not may_lead(actor, team):
        raise PermissionDenied(_("Only a supervisor or the team's leader can do this."))


def _actor_id(actor: Actor) -> int:
    if actor is None or not isinstance(actor.pk, int):
        raise PermissionDenied(_("A change to a rota needs a signed-in user."))
    return actor.pk


def _kept(actor: Actor, team: Team, what: str, before: Any, after: Any) -> None:
    TeamChange.objects.create(
        at=timezone.now(), actor_id=_actor_id(actor), team=team, what=what, before=before, after=after
    )


def _team_technicians(team: Team) -> set[int]:
    return set(
        TeamMembership.objects.filter(
            team=team, role=MemberRole.TECHNICIAN, user__is_active=True
        ).values_list("user_id", flat=True)
    )


@transaction.atomic
def rota_save(
    *,
    actor: Actor,
    team: Team,
    name: str,
    handover_weekday: int,
    handover_time: time,
    starts_on: date,
    members: Sequence[AbstractBaseUser],
    rota: Rota | None = None,
) -> Rota:
    """Create or change a rota: its hand-over and its members in the order of their turns."""
    team = Team.objects.select_for_update().get(pk=team.pk)
    _require_lead(actor, team)
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = _("This field is required.")
    if not 0 <= int(handover_weekday) <= 6:
        errors["handover_weekday"] = _("0 = Monday … 6 = Sunday.")
    ids = [member.pk for member in members]
    if not ids:
        errors["members"] = _("A rota needs at least one technician.")
    elif len(set(ids)) != len(ids):
        errors["members"] = _("Each technician takes one turn.")
    elif set(ids) - _team_technicians(team):
        errors["members"] = _("Only the team's technicians take turns on call.")
    if errors:
        raise ValidationError(errors)
    before = None
    if rota is None:
        rota = Rota(team=team)
    else:
        rota = Rota.objects.select_for_update().get(pk=rota.pk, team=team)
        before = {"name": rota.name, "members": list(rota.members.values_list("user_id", flat=True))}
    rota.name, rota.handover_weekday, rota.handover_time, rota.starts_on = (
        name,
        handover_weekday,
        handover_time,
        starts_on,
    )
    try:
        rota.validate_constraints()
    except ValidationError as exc:
        raise ValidationError({"name": _("The team already has a rota of this name.")}) from exc
    rota.save()
    rota.members.all().delete()
    RotaMember.objects.bulk_create(
        RotaMember(rota=rota, user_id=uid, position=i) for i, uid in enumerate(ids)
    )
    _kept(actor, team, "rota", before, {"rota": rota.pk, "name": name, "members": ids})
    return rota


def _span_check(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("The end comes after the start.")})
    if ends_at - starts_at > COVER_MAX:
        raise ValidationError({"ends_at": _("A cover lasts at most 31 days; change the rota instead.")})


@transaction.atomic
def override_set(
    *,
    actor: Actor,
    rota: Rota,
    user: AbstractBaseUser,
    starts_at: datetime,
    ends_at: datetime,
    reason: str = "",
) -> RotaCover:
    """Put ``user`` on call for a span, whatever the rotation says (approved as it is made)."""
    rota = Rota.objects.select_for_update(of=("self",)).select_related("team").get(pk=rota.pk)
    _require_lead(actor, rota.team)
    _span_check(starts_at, ends_at)
    if user.pk not in _team_technicians(rota.team):
        raise ValidationError({"user": _("Only the team's technicians go on call.")})
    now, actor_id = timezone.now(), _actor_id(actor)
    cover = RotaCover.objects.create(
        rota=rota, kind=CoverKind.OVERRIDE, status=CoverStatus.APPROVED, user_id=user.pk, starts_at=starts_at,
        ends_at=ends_at, reason=(reason or "").strip()[:200], requested_by_id=actor_id, requested_at=now,
        decided_by_id=actor_id, decided_at=now,
    )  # fmt: skip
    _kept(
        actor,
        rota.team,
        "override",
        None,
        {"cover": cover.pk, "user": user.pk, "from": starts_at, "to": ends_at},
    )
    return cover


@transaction.atomic
def swap_request(
    *,
    actor: Actor,
    rota: Rota,
    taker: AbstractBaseUser,
    starts_at: datetime,
    ends_at: datetime,
    reason: str = "",
) -> RotaCover:
    """The technician on call asks ``taker`` (a colleague of the team) to take a span of its
    turn. The rota does not change until the leader approves."""
    rota = Rota.objects.select_related("team").get(pk=rota.pk)
    if not has_role(actor, Role.TECHNICIAN):
        raise PermissionDenied(_("Only a technician asks for a swap of its own turn."))
    actor_id = _actor_id(actor)
    _span_check(starts_at, ends_at)
    spans = rota_spans(rota=rota, start=starts_at, end=ends_at)
    if (
        not spans
        or any(span.user_id != actor_id for span in spans)
        or spans[0].starts_at > starts_at
        or spans[-1].ends_at < ends_at
    ):
        raise ValidationError({"starts_at": _("You are not on call for the whole of this span.")})
    if taker.pk == actor_id or taker.pk not in _team_technicians(rota.team):
        raise ValidationError({"taker": _("A colleague of the team takes the swap.")})
    cover = RotaCover.objects.create(
        rota=rota, kind=CoverKind.SWAP, status=CoverStatus.REQUESTED, user_id=taker.pk, replaced_id=actor_id,
        starts_at=starts_at, ends_at=ends_at, reason=(reason or "").strip()[:200], requested_by_id=actor_id,
        requested_at=timezone.now(),
    )  # fmt: skip
    _kept(actor, rota.team, "swap.requested", None, {"cover": cover.pk, "taker": taker.pk})
    return cover


@transaction.atomic
def swap_decide(*, actor: Actor, cover: RotaCover, approve: bool) -> RotaCover:
    """The leader (or a supervisor) approves or refuses a requested swap."""
    cover = RotaCover.objects.select_for_update(of=("self",)).select_related("rota__team").get(pk=cover.pk)
    _require_lead(actor, cover.rota.team)
    if cover.status != CoverStatus.REQUESTED:
        raise TransitionNotAllowed(
            _("This swap was already %(status)s.") % {"status": cover.get_status_display()}
        )
    if approve and cover.user_id not in _team_technicians(cover.rota.team):
        raise ValidationError({"taker": _("The colleague who would take it is no longer in the team.")})
    cover.status = CoverStatus.APPROVED if approve else CoverStatus.REFUSED
    cover.decided_by_id, cover.decided_at = _actor_id(actor), timezone.now()
    cover.save(update_fields=["status", "decided_by", "decided_at"])
    _kept(actor, cover.rota.team, "swap.decided", {"cover": cover.pk}, {"status": cover.status})
    return cover


@transaction.atomic
def cover_withdraw(*, actor: Actor, cover: RotaCover) -> RotaCover:
    """The one who asked withdraws a swap not yet decided; the leader withdraws any cover."""
    cover = RotaCover.objects.select_for_update(of=("self",)).select_related("rota__team").get(pk=cover.pk)
    own = actor is not None and cover.requested_by_id == actor.pk and cover.status == CoverStatus.REQUESTED
    if not own:
        _require_lead(actor, cover.rota.team)
    if cover.status not in (CoverStatus.REQUESTED, CoverStatus.APPROVED):
        raise TransitionNotAllowed(
            _("This cover was already %(status)s.") % {"status": cover.get_status_display()}
        )
    before = cover.status
    cover.status = CoverStatus.WITHDRAWN
    cover.save(update_fields=["status"])
    _kept(
        actor,
        cover.rota.team,
        "cover.withdrawn",
        {"cover": cover.pk, "status": before},
        {"status": cover.status},
    )
    return cover


@transaction.atomic
def calendar_feed_renew(*, actor: Actor, user: AbstractBaseUser) -> CalendarFeed:
    """A new secret address for ``user``'s on-call calendar; the old one stops answering."""
    if actor is None or (actor.pk != user.pk and not has_role(actor, Role.SUPERVISOR)):
        raise PermissionDenied(_("Only its owner or a supervisor renews a calendar's address."))
    CalendarFeed.objects.filter(user_id=user.pk).delete()
    return CalendarFeed.objects.create(user_id=user.pk)
