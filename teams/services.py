"""Writes of the teams: members, area, leader and backup team. Supervisors only; each change is
kept in ``TeamChange`` (who, when, before, after). The team's own fields (name, region, second
line) are edited with the routing catalogue (``routing.services.catalogue.team_save``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.choices import Role
from dispatch.models import Plant
from dispatch.roles import AnyUser as Actor
from dispatch.roles import has_role
from dispatch.services.common import require_role

from .choices import AreaKind, MemberRole
from .models import Team, TeamArea, TeamChange, TeamMembership

# A member must hold the matching role: a team's technicians are who the rotas and the
# suggestion may send to a plant.
ROLE_OF_MEMBER = {
    MemberRole.OPERATOR: (Role.OPERATOR, Role.SUPERVISOR),
    MemberRole.TECHNICIAN: (Role.TECHNICIAN,),
}


def _kept(*, actor: Actor, team: Team, what: str, before: Any, after: Any) -> None:
    if actor is None or actor.pk is None:
        raise PermissionDenied(_("A change to a team needs a signed-in supervisor."))
    TeamChange.objects.create(
        at=timezone.now(), actor_id=actor.pk, team=team, what=what, before=before, after=after
    )


def _locked(team: Team) -> Team:
    return Team.objects.select_for_update().get(pk=team.pk)


@transaction.atomic
def team_member_set(
    *, actor: Actor, team: Team, user: AbstractBaseUser, role: str, since: date | None = None
) -> TeamMembership:
    """Put ``user`` in ``team`` as an operator or a technician (or change how)."""
    require_role(actor, Role.SUPERVISOR)
    team = _locked(team)
    if role not in MemberRole.values:
        raise ValidationError({"role": _("Operator or technician.")})
    if not user.is_active or not has_role(user, *ROLE_OF_MEMBER[MemberRole(role)]):
        raise ValidationError(
            {
                "user": _("%(user)s is not an active %(role)s.")
                % {"user": user, "role": MemberRole(role).label}
            }
        )
    membership = TeamMembership.objects.filter(team=team, user_id=user.pk).first()
    before = {"user": user.pk, "role": membership.role} if membership else None
    if membership is None:
        membership = TeamMembership(team=team, user_id=user.pk)
    membership.role = role
    membership.since = since or membership.since or timezone.localdate()
    membership.save()
    _kept(actor=actor, team=team, what="member", before=before, after={"user": user.pk, "role": role})
    return membership


@transaction.atomic
def team_member_remove(*, actor: Actor, team: Team, user: AbstractBaseUser) -> None:
    require_role(actor, Role.SUPERVISOR)
    team = _locked(team)
    membership = TeamMembership.objects.filter(team=team, user_id=user.pk).first()
    if membership is None:
        raise ValidationError({"user": _("%(user)s is not in this team.") % {"user": user}})
    if team.leader_id == user.pk:
        raise ValidationError({"user": _("Choose another leader before removing this one.")})
    membership.delete()
    _kept(
        actor=actor, team=team, what="member", before={"user": user.pk, "role": membership.role}, after=None
    )


@transaction.atomic
def team_area_add(
    *, actor: Actor, team: Team, kind: str, plant: Plant | None = None, name: str = ""
) -> TeamArea:
    """Add a plant, a municipality or a province (two-letter code) to the team's area."""
    require_role(actor, Role.SUPERVISOR)
    team = _locked(team)
    name = (name or "").strip()
    if kind == AreaKind.PLANT:
        if plant is None:
            raise ValidationError({"plant": _("Which plant?")})
        name = ""
    elif kind == AreaKind.MUNICIPALITY:
        if not name:
            raise ValidationError({"name": _("Which municipality?")})
        plant = None
    elif kind == AreaKind.PROVINCE:
        name = name.upper()
        if len(name) != 2 or not name.isalpha():
            raise ValidationError({"name": _("A province is its two-letter code (MI, TO …).")})
        plant = None
    else:
        raise ValidationError({"kind": _("Plant, municipality or province.")})
    area, created = TeamArea.objects.get_or_create(team=team, kind=kind, plant=plant, name=name)
    if created:
        _kept(
            actor=actor,
            team=team,
            what="area",
            before=None,
            after={"kind": kind, "plant": area.plant_id, "name": name},
        )
    return area


@transaction.atomic
def team_area_remove(*, actor: Actor, area: TeamArea) -> None:
    require_role(actor, Role.SUPERVISOR)
    team = _locked(area.team)
    _kept(
        actor=actor,
        team=team,
        what="area",
        before={"kind": area.kind, "plant": area.plant_id, "name": area.name},
        after=None,
    )
    area.delete()


@transaction.atomic
def team_leadership_set(
    *, actor: Actor, team: Team, leader: AbstractBaseUser | None, backup_team: Team | None
) -> Team:
    """Set the team's leader (a member, or a supervisor) and its backup team (never itself, nor
    a team that falls back on this one somewhere along its own backups: a ring would leave an
    escalation going round)."""
    require_role(actor, Role.SUPERVISOR)
    team = _locked(team)
    errors: dict[str, str] = {}
    if leader is not None and not (
        TeamMembership.objects.filter(team=team, user_id=leader.pk).exists()
        or has_role(leader, Role.SUPERVISOR)
    ):
        errors["leader"] = _("The leader is one of the team's members, or a supervisor.")
    if backup_team is not None:
        # Walk the stored backups, not the caller's copies of the teams.
        backup_of = dict(Team.objects.values_list("pk", "backup_team_id"))
        seen: set[int] = {team.pk}
        current: int | None = backup_team.pk
        while current is not None:
            if current in seen:
                errors["backup_team"] = _("%(team)s falls back on this team: choose another.") % {
                    "team": backup_team
                }
                break
            seen.add(current)
            current = backup_of.get(current)
    if errors:
        raise ValidationError(errors)
    before = {"leader": team.leader_id, "backup_team": team.backup_team_id}
    team.leader_id = leader.pk if leader is not None else None
    team.backup_team = backup_team
    team.save(update_fields=["leader", "backup_team"])
    _kept(actor=actor, team=team, what="leadership", before=before,
          after={"leader": team.leader_id, "backup_team": team.backup_team_id})  # fmt: skip
    return team
