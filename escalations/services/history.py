"""The sweep's history, in bulk: thousands of events appended to as many case chains in a few
statements (``dispatch.history.event_build`` at each chain's head), under the cases' row locks
the sweep holds."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import OuterRef, Subquery

from dispatch.bulk import rows_insert
from dispatch.choices import SubjectType
from dispatch.history import event_values
from dispatch.models import Event, Intervention, PersonalDatum


def _chain_heads(ids: list[int]) -> dict[int, tuple[int, str]]:
    """The last (seq, digest) of each case's chain, in one query."""
    if not ids:
        return {}
    subject_type = SubjectType.INTERVENTION
    last_seq = (
        Event.objects.filter(subject_type=subject_type, subject_id=OuterRef("subject_id"))
        .order_by("-seq")
        .values("seq")[:1]
    )
    heads = Event.objects.filter(subject_type=subject_type, subject_id__in=ids, seq=Subquery(last_seq))
    return {sid: (seq, digest) for sid, seq, digest in heads.values_list("subject_id", "seq", "hash")}


class EventBatch:
    """Events queued per case in order, written at ``save()``: two inserts for the whole batch.
    The caller holds every case's row lock (``select_for_update``) until its commit."""

    def __init__(self) -> None:
        self._queued: dict[int, list[tuple[Intervention, str, dict[str, Any]]]] = defaultdict(list)

    def add(self, intervention: Intervention, kind: str, data: dict[str, Any]) -> None:
        self._queued[intervention.pk].append((intervention, kind, data))

    def save(self) -> int:
        heads = _chain_heads(sorted(self._queued))
        events: list[dict[str, Any]] = []
        personal: list[PersonalDatum] = []
        for intervention_id, queued in self._queued.items():
            seq, prev_hash = heads.get(intervention_id, (0, ""))
            for intervention, kind, data in queued:
                seq += 1
                fields, sealed = event_values(
                    subject=intervention, kind=kind, actor=None, data=data, seq=seq, prev_hash=prev_hash
                )
                prev_hash = fields["hash"]
                events.append(fields)
                personal.extend(sealed)
        rows_insert(PersonalDatum, personal)
        rows_insert(Event, events)
        self._queued.clear()
        return len(events)
