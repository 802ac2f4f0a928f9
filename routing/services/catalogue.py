"""The routing catalogue as supervisors keep it: caller classes and the rules that assign them,
skills, teams, lines, queues and operators' routing profiles.

Each write is supervisor-only, atomic, validated (``ValidationError`` keyed by field) and kept:
a ``SetupChange`` row holds who, when and the row before and after. Catalogue rows are not
versioned like the routing rules, because live routes and decisions point at them: a change
must apply to the same row (a queue renamed is still the queue the waiting calls are in)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.choices import Role
from dispatch.roles import AnyUser as Actor
from dispatch.roles import has_role
from dispatch.services.common import require_role
from routing.catalogue import catalogue_forget
from routing.choices import ClassRuleKind
from routing.models import CallerClass, CallerClassRule, Line, OperatorProfile, Queue, SetupChange, Skill
from teams.models import Team

M = TypeVar("M", bound=models.Model)

PHONE_TARGET = re.compile(r"^(sips?:[^\s]{3,190}|\+?[0-9*#]{2,32})$")
# The live state is the console's and the phone's, never the setup form's.
PROFILE_LIVE_FIELDS = ("state", "state_since", "idle_since", "wrap_up_until", "pause_reason", "current_call")


def row_as_json(row: models.Model) -> dict[str, Any]:
    """The row's fields (related rows by id, many-to-many as sorted ids), for the change log."""
    data: dict[str, Any] = {}
    for field in row._meta.concrete_fields:
        data[field.name] = field.value_from_object(row)
    if row.pk is not None:
        for m2m in row._meta.many_to_many:
            data[m2m.name] = sorted(getattr(row, m2m.name).values_list("pk", flat=True))
    return data


def _kept(*, actor: Actor, row: models.Model, action: str, before: dict[str, Any] | None) -> None:
    if actor is None or actor.pk is None:
        raise PermissionDenied(_("A change to the routing setup needs a signed-in supervisor."))
    SetupChange.objects.create(
        at=timezone.now(),
        actor_id=actor.pk,
        model=row._meta.label_lower,
        object_id=row.pk,
        object_repr=str(row)[:200],
        action=action,
        before=before,
        after=row_as_json(row) if action != SetupChange.Action.DELETED else None,
    )
    # The router's cached copy of the tables (routing.catalogue): this process at once.
    catalogue_forget()
    transaction.on_commit(catalogue_forget)


def _save(
    *,
    actor: Actor,
    row: M,
    fields: dict[str, Any],
    m2m: dict[str, Any] | None = None,
    check: Callable[[Any, dict[str, Any]], Iterable[tuple[str, str]]] | None = None,
    exclude: tuple[str, ...] = (),
) -> M:
    """Set ``fields`` on ``row`` (new or locked), validate the model, save, set ``m2m``, log."""
    require_role(actor, Role.SUPERVISOR)
    created = row.pk is None
    if not created:
        row = type(row)._default_manager.select_for_update().get(pk=row.pk)
    before = None if created else row_as_json(row)
    unknown = sorted(set(fields) - {f.name for f in row._meta.concrete_fields})
    if unknown:
        raise ValidationError({"__all__": [_("Unknown fields: %(names)s.") % {"names": ", ".join(unknown)}]})
    for name, value in fields.items():
        setattr(row, name, value.strip() if isinstance(value, str) else value)
    errors: dict[str, list[str]] = {}
    try:
        row.full_clean(exclude=list(exclude), validate_constraints=False)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if check is not None:
        for name, message in check(row, m2m or {}):
            errors.setdefault(name, []).append(message)
    if not errors:
        # Only now: a violated constraint says less than the field's own message above.
        try:
            row.validate_constraints(exclude=set(exclude))
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    row.save()
    for name, values in (m2m or {}).items():
        getattr(row, name).set(values)
    _kept(actor=actor, row=row, action=SetupChange.Action.CREATED if created else SetupChange.Action.CHANGED,
          before=before)  # fmt: skip
    return row


@transaction.atomic
def caller_class_save(*, actor: Actor, caller_class: CallerClass | None = None, **fields: Any) -> CallerClass:
    """Create or change a caller class (code, name, rank, VIP, critical user, answer target)."""
    return _save(actor=actor, row=caller_class or CallerClass(), fields=fields)


def _class_rule_check(rule: CallerClassRule, _m2m: dict[str, Any]) -> Iterator[tuple[str, str]]:
    targets: dict[str, str] = {
        ClassRuleKind.NUMBER: "number",
        ClassRuleKind.PREFIX: "prefix",
        ClassRuleKind.CUSTOMER: "customer",
        ClassRuleKind.PLANT: "plant",
    }
    wanted = targets.get(rule.kind)
    if wanted is not None and getattr(rule, wanted) in (None, ""):
        yield wanted, _("A rule of this kind needs this field.")
    for other in targets.values():
        if other != wanted and getattr(rule, other) not in (None, ""):
            yield other, _("Only the field of the rule's kind is kept: leave this empty.")
    if rule.number and not re.fullmatch(r"\+?[0-9]{3,20}", rule.number):
        yield "number", _("A known number is digits, optionally after a +.")
    manager = rule.personal_manager
    if manager is not None and not has_role(manager, Role.OPERATOR, Role.SUPERVISOR):
        yield "personal_manager", _("A personal manager is an operator or a supervisor.")


@transaction.atomic
def caller_class_rule_save(
    *, actor: Actor, rule: CallerClassRule | None = None, **fields: Any
) -> CallerClassRule:
    """Create or change what puts callers in a class: a known number (with its personal manager),
    a plant, a customer contract or a number prefix. Only the kind's own field is set."""
    return _save(actor=actor, row=rule or CallerClassRule(), fields=fields, check=_class_rule_check)


@transaction.atomic
def caller_class_rule_delete(*, actor: Actor, rule: CallerClassRule) -> None:
    """Remove a class rule (the callers it named fall back to the next rule or the default)."""
    require_role(actor, Role.SUPERVISOR)
    locked = CallerClassRule.objects.select_for_update().get(pk=rule.pk)
    before = row_as_json(locked)
    _kept(actor=actor, row=locked, action=SetupChange.Action.DELETED, before=before)
    locked.delete()


@transaction.atomic
def skill_save(*, actor: Actor, skill: Skill | None = None, **fields: Any) -> Skill:
    """Create or change a skill (service, customer, language)."""
    return _save(actor=actor, row=skill or Skill(), fields=fields)


def _team_check(team: Team, _m2m: dict[str, Any]) -> Iterator[tuple[str, str]]:
    if team.consult_number and not PHONE_TARGET.match(team.consult_number):
        yield "consult_number", _("A number or a SIP URI (sip:…).")
    if team.is_second_line and not team.consult_number:
        yield "consult_number", _("A second-line team needs the number first-line operators dial.")


@transaction.atomic
def team_save(*, actor: Actor, team: Team | None = None, **fields: Any) -> Team:
    """Create or change a team (region, second line and its consult number)."""
    return _save(actor=actor, row=team or Team(), fields=fields, check=_team_check)


def _line_check(line: Line, _m2m: dict[str, Any]) -> Iterator[tuple[str, str]]:
    if not re.fullmatch(r"\+?[0-9]{2,20}", line.number):
        yield "number", _("A line is a number: digits, optionally after a +.")
    if line.fallback_uri and not PHONE_TARGET.match(line.fallback_uri):
        yield "fallback_uri", _("A number or a SIP URI (sip:…).")


@transaction.atomic
def line_save(*, actor: Actor, line: Line | None = None, **fields: Any) -> Line:
    """Create or change a line (its number, customer and off-hours fallback)."""
    return _save(actor=actor, row=line or Line(), fields=fields, check=_line_check)


def _queue_check(queue: Queue, _m2m: dict[str, Any]) -> Iterator[tuple[str, str]]:
    overflow = queue.overflow_queue
    if (overflow is None) != (queue.overflow_after_seconds is None):
        yield "overflow_after_seconds", _("Overflow needs both a queue and the seconds after which.")
    # Walked in the database, not through the rows in memory: they may be older than it.
    links = dict(Queue.objects.values_list("pk", "overflow_queue_id"))
    seen = {queue.pk}
    step = overflow.pk if overflow is not None else None
    while step is not None:
        if step in seen:
            yield "overflow_queue", _("Overflow would go round in a circle back to this queue.")
            return
        seen.add(step)
        step = links.get(step)


@transaction.atomic
def queue_save(*, actor: Actor, queue: Queue | None = None, skills: Any = None, **fields: Any) -> Queue:
    """Create or change a queue (skills needed, how long each operator rings, overflow)."""
    m2m = {"skills": list(skills)} if skills is not None else None
    return _save(actor=actor, row=queue or Queue(), fields=fields, m2m=m2m, check=_queue_check)


def _profile_check(profile: OperatorProfile, _m2m: dict[str, Any]) -> Iterator[tuple[str, str]]:
    if not has_role(profile.user, Role.OPERATOR, Role.SUPERVISOR):
        yield "user", _("Only operators and supervisors answer calls.")
    if profile.sip_uri and not re.fullmatch(r"sips?:[^\s@]+@[^\s]+", profile.sip_uri):
        yield "sip_uri", _("A SIP URI reads sip:user@host.")
    if profile.extension and not re.fullmatch(r"[0-9*#]{1,32}", profile.extension):
        yield "extension", _("An extension is digits.")
    if not profile.sip_uri and not profile.extension:
        yield "sip_uri", _("Give the SIP URI or the extension the phone system rings.")


@transaction.atomic
def operator_profile_save(
    *,
    actor: Actor,
    profile: OperatorProfile | None = None,
    skills: Any = None,
    lines: Any = None,
    **fields: Any,
) -> OperatorProfile:
    """Create or change an operator's routing profile (extension, SIP URI, team, skills, lines,
    wrap-up seconds). The live state is not set here: a new profile starts signed off."""
    live = sorted(set(fields) & set(PROFILE_LIVE_FIELDS))
    if live:
        raise ValidationError({name: [_("Set by the console and the phone, not here.")] for name in live})
    if profile is None:
        profile = OperatorProfile(state_since=timezone.now())
    m2m = {
        name: list(values) for name, values in (("skills", skills), ("lines", lines)) if values is not None
    }
    return _save(actor=actor, row=profile, fields=fields, m2m=m2m, check=_profile_check)
