"""Routing rules as supervisors write them: every change publishes a whole new version (the old
ones stay as they were, readable), and any rule list can be tried on a sample call first."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.choices import Role
from dispatch.inputs import id_parse, integer_parse
from dispatch.models import Customer
from dispatch.roles import AnyUser as Actor
from dispatch.services.common import require_role
from routing.catalogue import catalogue_forget
from routing.choices import HolidayMatch, RuleAction, SkillKind
from routing.classify import caller_class_find
from routing.models import CallerClass, Line, Queue, RoutingRule, RuleSetVersion, Skill
from routing.models.classes import DIGITS_PREFIX
from routing.rules import SampleCall, rule_failures, version_active, version_rules

MAX_RULES = 200
PRIORITY_LIMIT = 1000
# Where a forward goes: a SIP URI or a phone number (the PBX dials it).
FORWARD_TARGET = re.compile(r"^(sips?:[^\s]{3,190}|\+?[0-9]{2,20})$")

# The fields of a rule as the editor, the API and the copies of a version name them.
RULE_FIELDS = (
    "name",
    "line",
    "weekdays",
    "time_from",
    "time_to",
    "holidays",
    "caller_class",
    "number_prefix",
    "customer",
    "service",
    "action",
    "queue",
    "priority",
    "prefer_personal_manager",
    "prefer_case_owner",
    "forward_to",
)
RELATED: dict[str, type[models.Model]] = {
    "line": Line,
    "caller_class": CallerClass,
    "customer": Customer,
    "service": Skill,
    "queue": Queue,
}


def rule_as_dict(rule: RoutingRule) -> dict[str, Any]:
    """A rule as ``ruleset_publish`` takes it (related rows by id): to copy, edit or restore."""
    data: dict[str, Any] = {name: getattr(rule, name) for name in RULE_FIELDS if name not in RELATED}
    data.update({name: getattr(rule, f"{name}_id") for name in RELATED})
    data["weekdays"] = list(rule.weekdays or [])
    return data


def _related(value: object, model: type[models.Model]) -> models.Model | None | str:
    """The row ``value`` names (a row or its id), None when empty, or an error text."""
    if value in (None, ""):
        return None
    if isinstance(value, model):
        return value
    pk = id_parse(value)
    row = model._default_manager.filter(pk=pk).first() if pk is not None else None
    return row if row is not None else _("No such %(what)s.") % {"what": model._meta.verbose_name}


def _time(value: object) -> time | None | str:
    if value in (None, ""):
        return None
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0, tzinfo=None)
    if isinstance(value, str):
        try:
            return time.fromisoformat(value).replace(second=0, microsecond=0, tzinfo=None)
        except ValueError:
            pass
    return _("Give a time as HH:MM.")


def _weekdays(value: object) -> list[int] | str:
    if value in (None, ""):
        return []
    if not isinstance(value, (list, tuple)):
        return _("Give the weekdays as a list of numbers, 0 = Monday … 6 = Sunday.")
    days = set()
    for item in value:
        day = integer_parse(item, minimum=0, maximum=6)
        if day is None:
            return _("Weekdays are 0 (Monday) to 6 (Sunday).")
        days.add(day)
    return sorted(days)


def _text(value: object, limit: int) -> str | None:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value.strip()) > limit:
        return None
    return value.strip()


def rule_build(data: Mapping[str, Any], *, errors: dict[str, list[str]], key: str = "") -> RoutingRule:
    """An unsaved rule from ``data``; what is wrong with it goes into ``errors`` under
    ``<key><field>`` (``key`` is ``"rules.3."`` for the fourth rule of a list)."""

    def fail(name: str, message: str) -> None:
        errors.setdefault(f"{key}{name}", []).append(message)

    unknown = sorted(set(data) - set(RULE_FIELDS))
    if unknown:
        fail("non_field_errors", _("Unknown fields: %(names)s.") % {"names": ", ".join(map(str, unknown))})
    rule = RoutingRule()
    name = _text(data.get("name"), 80)
    if not name:
        fail("name", _("Give the rule a name (up to 80 characters)."))
    rule.name = name or ""
    for attr, model in RELATED.items():
        row = _related(data.get(attr), model)
        if isinstance(row, str):
            fail(attr, row)
        else:
            setattr(rule, attr, row)
    if rule.service is not None and rule.service.kind != SkillKind.SERVICE:
        fail("service", _("Choose a skill of the kind “service”."))
    weekdays = _weekdays(data.get("weekdays"))
    if isinstance(weekdays, str):
        fail("weekdays", weekdays)
    else:
        rule.weekdays = weekdays
    for attr in ("time_from", "time_to"):
        moment = _time(data.get(attr))
        if isinstance(moment, str):
            fail(attr, moment)
        else:
            setattr(rule, attr, moment)
    if rule.time_from is not None and rule.time_from == rule.time_to:
        fail("time_to", _("The window is empty: “to” equals “from”. Leave both empty for all day."))
    holidays = data.get("holidays") or HolidayMatch.ANY_DAY
    if holidays not in HolidayMatch.values:
        fail("holidays", _("Choose any day, working days or public holidays."))
    rule.holidays = holidays if holidays in HolidayMatch.values else HolidayMatch.ANY_DAY
    prefix = _text(data.get("number_prefix"), 16)
    if prefix is None:
        fail("number_prefix", _("A number prefix is digits, optionally after a +."))
    elif prefix:
        try:
            DIGITS_PREFIX(prefix)
        except ValidationError as exc:
            fail("number_prefix", " ".join(exc.messages))
    rule.number_prefix = prefix or ""
    priority = data.get("priority", 0)
    if priority in (None, ""):
        priority = 0
    number = integer_parse(priority, minimum=-PRIORITY_LIMIT, maximum=PRIORITY_LIMIT)
    if number is None:
        fail("priority", _("The priority boost is a whole number from -1000 to 1000."))
    rule.priority = number or 0
    for flag in ("prefer_personal_manager", "prefer_case_owner"):
        value = data.get(flag, True)
        if not isinstance(value, bool):
            fail(flag, _("Yes or no."))
        setattr(rule, flag, value is True)
    action = data.get("action") or RuleAction.QUEUE
    forward_to = _text(data.get("forward_to"), 200)
    if forward_to is None or (forward_to and not FORWARD_TARGET.match(forward_to)):
        fail("forward_to", _("Forward to a SIP URI (sip:…) or a phone number."))
    rule.forward_to = forward_to or ""
    if action == RuleAction.QUEUE:
        if rule.queue is None and f"{key}queue" not in errors:
            fail("queue", _("A rule that queues the call needs a queue."))
        rule.forward_to = ""
    elif action == RuleAction.FORWARD:
        # A forward never queues; the queue a form may still hold is not kept.
        rule.queue = None
        fallback = (rule.line.fallback_uri or rule.line.on_call_team_id) if rule.line is not None else ""
        if not rule.forward_to and not fallback:
            fail(
                "forward_to",
                _(
                    "Give the number to forward to, or choose a line that has an off-hours fallback "
                    "or an on-call team."
                ),
            )
    else:
        fail("action", _("Queue the call or forward it."))
    rule.action = action if action in RuleAction.values else RuleAction.QUEUE
    return rule


def rules_build(rules: object) -> list[RoutingRule]:
    """Unsaved rules, in order, from the list of dicts; ``ValidationError`` keyed
    ``rules.<index>.<field>`` (index from 0) with every fault of every rule."""
    if not isinstance(rules, Sequence) or isinstance(rules, (str, bytes)):
        raise ValidationError({"rules": [_("Give the rules as a list.")]})
    if len(rules) > MAX_RULES:
        raise ValidationError({"rules": [_("At most %(n)d rules.") % {"n": MAX_RULES}]})
    errors: dict[str, list[str]] = {}
    built = []
    for index, data in enumerate(rules):
        if not isinstance(data, Mapping):
            errors[f"rules.{index}"] = [_("Each rule is an object of fields.")]
            continue
        built.append(rule_build(data, errors=errors, key=f"rules.{index}."))
    if errors:
        raise ValidationError(errors)
    return built


@transaction.atomic
def ruleset_publish(*, actor: Actor, rules: list[dict[str, Any]], note: str) -> RuleSetVersion:
    """Publish ``rules`` (first match wins, in this order) as version N+1; supervisors only.
    Every rule is validated first (``ValidationError`` keyed ``rules.<index>.<field>``); nothing
    is written unless all are right. Earlier versions are never touched: the calls they routed
    keep pointing at the rules that routed them.

    Locks the latest version, so two supervisors publishing at once get N+1 and N+2."""
    require_role(actor, Role.SUPERVISOR)
    text = _text(note, 200)
    if not text:
        raise ValidationError({"note": [_("Say what changed (up to 200 characters).")]})
    built = rules_build(rules)
    # Waiting on the lock, then reading the number again: a version published meanwhile counts.
    list(RuleSetVersion.objects.select_for_update().order_by("-number")[:1])
    number = (RuleSetVersion.objects.aggregate(top=Max("number"))["top"] or 0) + 1
    try:
        with transaction.atomic():
            version = RuleSetVersion.objects.create(
                number=number,
                published_at=timezone.now(),
                published_by_id=actor.pk if actor is not None else None,
                note=text,
            )
    except IntegrityError as exc:  # the very first version, published twice at the same moment
        raise ValidationError({"note": [_("Another version was published just now; try again.")]}) from exc
    for position, rule in enumerate(built, start=1):
        rule.version, rule.position = version, position
    RoutingRule.objects.bulk_create(built)
    # New calls in this process follow the new version at once (others within the catalogue's TTL).
    catalogue_forget()
    transaction.on_commit(catalogue_forget)
    return version


def ruleset_restore(*, actor: Actor, version: RuleSetVersion, note: str = "") -> RuleSetVersion:
    """Publish a copy of an earlier version's rules as the newest version (restore)."""
    rules = [rule_as_dict(rule) for rule in version_rules(version)]
    return ruleset_publish(
        actor=actor, rules=rules, note=note or _("Restored version %(n)d") % {"n": version.number}
    )


# ----------------------------------------------------------------------------------------------
# Testing rules against a sample call


@dataclass(frozen=True)
class RuleCheck:
    position: int  # 1-based, as the editor shows it
    rule: RoutingRule
    matched: bool
    reached: bool  # False after the first match: first match wins
    failures: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class RuleTestResult:
    matched: int | None  # 0-based index of the first rule that matches
    checks: list[RuleCheck]
    caller_class: CallerClass
    class_reason: str
    sample: SampleCall

    @property
    def rule(self) -> RoutingRule | None:
        return self.checks[self.matched].rule if self.matched is not None else None


def rule_test(
    *,
    sample_line: str,
    at: datetime,
    number: str,
    customer: Customer | None = None,
    service: Skill | None = None,
    rules: list[dict[str, Any]] | None = None,
    version: RuleSetVersion | None = None,
) -> RuleTestResult:
    """Which rule a call would meet (first match wins) and, for every rule before it, which
    conditions failed. The rules are ``rules`` (an unpublished list, validated as
    ``ruleset_publish`` does), else ``version``'s, else the active version's. The caller's
    class comes from the class rules, as for a real call (the line's customer when none given).
    Reads only."""
    if rules is not None:
        candidates = rules_build(rules)
    else:
        version = version or version_active()
        candidates = version_rules(version) if version is not None else []
    if customer is None and sample_line:
        line = Line.objects.select_related("customer").filter(number=sample_line).first()
        customer = line.customer if line is not None else None
    match = caller_class_find(number=number, plant=None, customer=customer)
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    sample = SampleCall(
        line=sample_line,
        at=at,
        number=number,
        caller_class=match.caller_class,
        customer_id=customer.pk if customer is not None else None,
        service_id=service.pk if service is not None else None,
    )
    checks: list[RuleCheck] = []
    matched: int | None = None
    for index, rule in enumerate(candidates):
        if matched is not None:
            checks.append(RuleCheck(position=index + 1, rule=rule, matched=False, reached=False))
            continue
        failures = list(rule_failures(rule, sample))
        if not failures:
            matched = index
        checks.append(
            RuleCheck(position=index + 1, rule=rule, matched=not failures, reached=True, failures=failures)
        )
    return RuleTestResult(
        matched=matched,
        checks=checks,
        caller_class=match.caller_class,
        class_reason=match.reason,
        sample=sample,
    )
