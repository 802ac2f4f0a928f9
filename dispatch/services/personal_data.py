"""Erasing a person's data from a call or an intervention, and nothing else (ADR 0002).

The one path by which personal data leaves: the ``PersonalDatum`` rows lose their values (their
salts and commitments stay, so the history's chain still verifies), the subject's own copies
(a call's number and notes, callbacks' numbers and notes, phone steps' notes) are blanked, and
the subject's history records what went, why and how much. What decides *what* to erase (the
retention policies, a person's request, legal holds) is the privacy app's; this module only
carries it out, under the subject's row lock like every other change to it.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet

from dispatch.choices import PersonalKind
from dispatch.history import Actor, event_record
from dispatch.models import Call, Callback, Intervention, InterventionStep, PersonalDatum, UserProfile


def personal_erase(
    *,
    subject: Call | Intervention,
    kinds: Collection[str],
    because: str,
    actor: Actor,
    now: datetime,
) -> int:
    """Erase the personal data of ``kinds`` held for ``subject``; returns how many values went.

    Idempotent: what is already erased is left as it is, and nothing erased means no event.
    """
    kinds = frozenset(kinds)
    with transaction.atomic():
        if isinstance(subject, Call):
            locked: Call | Intervention = Call.objects.select_for_update().get(pk=subject.pk)
            rows = PersonalDatum.objects.filter(call_id=locked.pk)
            callbacks = Callback.objects.filter(call_id=locked.pk)
        else:
            locked = Intervention.objects.select_for_update().get(pk=subject.pk)
            rows = PersonalDatum.objects.filter(intervention_id=locked.pk)
            callbacks = Callback.objects.filter(intervention_id=locked.pk)
        rows = rows.filter(kind__in=kinds, erased_at__isnull=True)
        erased_kinds = sorted(set(rows.values_list("kind", flat=True)))
        count = rows.update(value=None, erased_at=now, erased_because=because[:64])
        copies = _copies_blank(locked, callbacks, kinds, now)
        if not count and not copies:
            return 0
        event_record(
            subject=locked,
            kind="personal.erased",
            actor=actor,
            data={"kinds": erased_kinds or sorted(kinds), "values": count, "because": because},
        )
        return count


def _copies_blank(
    locked: Call | Intervention, callbacks: QuerySet[Callback], kinds: frozenset[str], now: datetime
) -> int:
    """Blank the subject's own copies of the erased data; how many fields changed."""
    changed = 0
    if PersonalKind.CALLER_NUMBER in kinds:
        changed += callbacks.exclude(number="").update(number="")
    if PersonalKind.NOTE in kinds:
        changed += callbacks.exclude(note="", outcome="").update(note="", outcome="")
    if isinstance(locked, Call):
        fields = []
        if PersonalKind.CALLER_NUMBER in kinds and locked.caller_number:
            locked.caller_number = ""
            fields.append("caller_number")
        if PersonalKind.NOTE in kinds and locked.notes:
            locked.notes = ""
            fields.append("notes")
        if fields:
            locked.personal_erased_at = locked.personal_erased_at or now
            locked.save(update_fields=[*fields, "personal_erased_at"])
            changed += len(fields)
    elif PersonalKind.NOTE in kinds:
        changed += InterventionStep.objects.filter(intervention_id=locked.pk).exclude(note="").update(note="")
    return changed


def technician_positions_clear(*, before: datetime) -> int:
    """Forget technicians' current positions recorded before ``before`` (the retention of
    positions); returns how many were cleared. One short statement: the profile rows it touches
    are locked only for it. A phone that later resends an older position has it recorded again,
    and cleared again by the next run."""
    return UserProfile.objects.filter(position_at__lt=before).update(
        latitude=None, longitude=None, position_at=None, position_accuracy_m=None
    )
