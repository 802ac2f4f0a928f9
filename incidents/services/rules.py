"""The rules' sweep: many calls and alarms within a few minutes under one node of the supply
network declare a major incident on that node by themselves."""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from dispatch.models import Call, Plant
from incidents.models import IncidentRule, MajorIncident
from incidents.selectors.core import incident_covering
from network.selectors import upstream_chains
from telecontrol.models import PlantAlarm

from .common import now_or
from .lifecycle import incident_declare

logger = logging.getLogger(__name__)

# Descend from a node that reaches the threshold into the one child holding at least this share
# of its events: a stray call elsewhere under the cabin must not lift the incident to the root,
# while a fault spread over two branches stays with their common feeder.
DOMINANT_SHARE = 0.8


@dataclass(frozen=True)
class _Event:
    plant_id: int
    customer_id: int
    at: datetime


@dataclass
class _Tally:
    """Events counted per node for one rule: each event counts for its plant and every feeder
    above it (within the rule's node)."""

    events: Counter[int] = field(default_factory=Counter)
    plants: defaultdict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    children: defaultdict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    parent: dict[int, int] = field(default_factory=dict)


def _recent_events(*, since: datetime, now: datetime) -> list[_Event]:
    """The calls on a plant and the alarms since ``since`` that no incident holds yet: what a
    rule counts (one query each)."""
    calls = Call.objects.filter(
        received_at__gt=since, received_at__lte=now, plant__isnull=False, incident_member__isnull=True
    ).values_list("plant_id", "plant__customer_id", "received_at")
    alarms = PlantAlarm.objects.filter(
        raised_at__gt=since, raised_at__lte=now, incident_member__isnull=True
    ).values_list("plant_id", "plant__customer_id", "raised_at")
    return [_Event(*row) for row in calls] + [_Event(*row) for row in alarms]


def _tally(rule: IncidentRule, events: list[_Event], chains: dict[int, list[int]], now: datetime) -> _Tally:
    since = now - timedelta(minutes=rule.window_minutes)
    tally = _Tally()
    for event in events:
        if event.at <= since or (rule.customer_id is not None and event.customer_id != rule.customer_id):
            continue
        chain = [event.plant_id, *chains.get(event.plant_id, [])]
        if rule.node_id is not None:
            if rule.node_id not in chain:
                continue
            chain = chain[: chain.index(rule.node_id) + 1]
        for below, node in zip([None, *chain], chain, strict=False):
            tally.events[node] += 1
            tally.plants[node].add(event.plant_id)
            if below is not None:
                tally.children[node].add(below)
                tally.parent[below] = node
    return tally


def _fault_nodes(rule: IncidentRule, tally: _Tally) -> list[int]:
    """The nodes to declare on: from each root-most node reaching ``min_events`` (from two plants
    at least: many calls about one lift are that lift's case, not a network fault), down while one
    child holds the dominant share of its events."""

    def reaches(node: int) -> bool:
        return tally.events[node] >= rule.min_events and len(tally.plants[node]) >= 2

    def above_reaches(node: int) -> bool:
        parent = tally.parent.get(node)
        while parent is not None:
            if reaches(parent):
                return True
            parent = tally.parent.get(parent)
        return False

    found = []
    for node in sorted(tally.events):
        if not reaches(node) or above_reaches(node):
            continue
        while True:
            dominant = [
                child
                for child in tally.children[node]
                if reaches(child) and tally.events[child] >= DOMINANT_SHARE * tally.events[node]
            ]
            if not dominant:
                break
            node = dominant[0]
        found.append(node)
    return found


def _declare(rule: IncidentRule, node: Plant, now: datetime) -> MajorIncident | None:
    # Stored text, read by callers and the status page: the call centre's language.
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Fault under %(node)s") % {"node": node.code}
        message = rule.public_message or _(
            "We know of a fault in your area and are working on it. We will send updates."
        )
    try:
        return incident_declare(
            actor=None,
            node=node,
            title=title,
            public_message=message,
            auto_attach=rule.auto_attach,
            rule=rule,
            now=now,
        )
    except ValidationError as error:
        # A node out of service or another customer's than the rule's: the rule cannot declare
        # there; the calls stay for the operators, and the next sweep will not declare either.
        logger.info("Rule %s did not declare on plant %s: %s", rule.pk, node.pk, error.messages)
        return None


def incident_rules_sweep(*, now: datetime | None = None) -> list[MajorIncident]:
    """Run every active rule over the calls and alarms of its window: declare on each node that
    reaches the rule's count and no open incident covers yet (with ``actor=None``). Idempotent:
    a second sweep finds the node covered (and the events attached, when the rule attaches).
    Two queries for the events, one for the chains above their plants, then one per candidate."""
    now = now_or(now)
    rules = list(IncidentRule.objects.filter(active=True))
    if not rules:
        return []
    since = now - timedelta(minutes=max(rule.window_minutes for rule in rules))
    events = _recent_events(since=since, now=now)
    if not events:
        return []
    chains = upstream_chains(plant_ids={event.plant_id for event in events})
    declared: list[MajorIncident] = []
    for rule in rules:
        if len(events) < rule.min_events:
            continue
        for node_id in _fault_nodes(rule, _tally(rule, events, chains, now)):
            if incident_covering(plant_id=node_id) is not None:
                continue
            node = Plant.objects.select_related("customer").get(pk=node_id)
            incident = _declare(rule, node, now)
            if incident is not None:
                declared.append(incident)
    return declared
