"""The router's reference tables, read once every few seconds per process, not once per call.

Caller classes and their rules, lines, second-line teams and each queue's skills change when a
supervisor edits them, a few times a day; a routing decision reads all of them. The snapshot is
kept per process for ``PRONTO_ROUTING_CATALOGUE_SECONDS`` (5 by default): an edit applies to
new calls within that time everywhere, at once in the process that made it
(``catalogue_forget``, called by the setup services). Published rule versions never change, so
their rules are kept by version for good.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings

from routing.choices import ClassRuleKind
from routing.models import CallerClass, CallerClassRule, Line, Queue, RoutingRule, RuleSetVersion
from teams.models import Team


@dataclass(frozen=True)
class Catalogue:
    loaded_at: float
    classes_by_code: dict[str, CallerClass]
    number_rules: dict[str, CallerClassRule]
    plant_rules: dict[int, CallerClassRule]
    customer_rules: dict[int, CallerClassRule]
    # Longest prefix first, digits only.
    prefix_rules: list[tuple[str, CallerClassRule]]
    lines: dict[str, Line]
    consult_teams: dict[str, Team]
    queue_skills: dict[int, tuple[int, ...]] = field(default_factory=dict)
    active_version: RuleSetVersion | None = None


_lock = threading.Lock()
_current: Catalogue | None = None
# Keyed by id and publication time: ids are never reused in production, but a test database
# rolled back gives the next version the same id.
_rules_by_version: dict[tuple[int, datetime], list[RoutingRule]] = {}


def _load() -> Catalogue:
    rules = list(CallerClassRule.objects.select_related("caller_class", "personal_manager").order_by("pk"))
    by_kind: dict[str, list[CallerClassRule]] = {kind: [] for kind in ClassRuleKind.values}
    for rule in rules:
        by_kind[rule.kind].append(rule)
    queue_skills: dict[int, list[int]] = {}
    for queue_id, skill_id in Queue.skills.through.objects.values_list("queue_id", "skill_id"):
        queue_skills.setdefault(queue_id, []).append(skill_id)
    return Catalogue(
        loaded_at=time.monotonic(),
        classes_by_code={caller_class.code: caller_class for caller_class in CallerClass.objects.all()},
        # The first rule for a number, plant or customer wins, as the oldest did before.
        number_rules={rule.number: rule for rule in reversed(by_kind[ClassRuleKind.NUMBER])},
        plant_rules={rule.plant_id: rule for rule in reversed(by_kind[ClassRuleKind.PLANT]) if rule.plant_id},
        customer_rules={
            rule.customer_id: rule for rule in reversed(by_kind[ClassRuleKind.CUSTOMER]) if rule.customer_id
        },
        prefix_rules=sorted(
            ((rule.prefix.lstrip("+"), rule) for rule in by_kind[ClassRuleKind.PREFIX]),
            key=lambda pair: -len(pair[0]),
        ),
        lines={line.number: line for line in Line.objects.select_related("customer", "on_call_team")},
        consult_teams={
            team.consult_number: team
            for team in Team.objects.filter(is_second_line=True).exclude(consult_number="")
        },
        queue_skills={queue_id: tuple(sorted(skills)) for queue_id, skills in queue_skills.items()},
        active_version=RuleSetVersion.objects.order_by("-number").first(),
    )


def catalogue() -> Catalogue:
    global _current
    ttl = getattr(settings, "PRONTO_ROUTING_CATALOGUE_SECONDS", 5)
    with _lock:
        current = _current
    if current is not None and time.monotonic() - current.loaded_at < ttl:
        return current
    loaded = _load()
    with _lock:
        _current = loaded
    return loaded


def catalogue_forget() -> None:
    global _current
    with _lock:
        _current = None
        _rules_by_version.clear()


def version_rules(version: RuleSetVersion) -> list[RoutingRule]:
    """The rules of a published version, in order (kept for good: versions never change)."""
    key = (version.pk, version.published_at)
    with _lock:
        cached = _rules_by_version.get(key)
    if cached is not None:
        return cached
    rules = list(
        version.rules.select_related("line", "queue", "queue__overflow_queue", "caller_class").order_by(
            "position"
        )
    )
    with _lock:
        _rules_by_version[key] = rules
    return rules
