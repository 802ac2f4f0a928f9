"""Erasing a person's data from a call or an intervention, and nothing else (ADR 0002).

The one path by which personal data leaves: the ``PersonalDatum`` rows lose their values (their
salts and commitments stay, so the history's chain still verifies), the subject's own copies
(a call's number and notes, callbacks' numbers and notes, phone steps' notes) are blanked, and
the subject's history records what went, why and how much. What decides *what* to erase (the
retention policies, a person's request, legal holds) is the privacy app's; this module only
carries it out, under the subject's row lock like every other change to it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import datetime

from django.db import transaction
from django.db.models import OuterRef, Subquery

from dispatch.choices import DocumentKind, PersonalKind, SubjectType
from dispatch.history import Actor, event_build
from dispatch.models import (
    Call,
    Callback,
    Event,
    Intervention,
    InterventionStep,
    PersonalDatum,
    PlantDocument,
    UserProfile,
)


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
    with transaction.atomic():
        locked: list[Call | Intervention] = [
            Call.objects.select_for_update().get(pk=subject.pk)
            if isinstance(subject, Call)
            else Intervention.objects.select_for_update().get(pk=subject.pk)
        ]
        erased = personal_erase_locked(subjects=locked, kinds=kinds, because=because, actor=actor, now=now)
        return erased.get(subject.pk, 0)


def personal_erase_locked(
    *,
    subjects: Sequence[Call | Intervention],
    kinds: Collection[str],
    because: str,
    actor: Actor,
    now: datetime,
) -> dict[int, int]:
    """``personal_erase`` for many subjects of one model at once, whose rows the caller has
    locked in the current transaction (``select_for_update``, in id order): a handful of
    statements for the whole batch, whatever its size, and one ``personal.erased`` event on each
    subject that lost anything. Returns, per subject id, how many values went."""
    if not subjects:
        return {}
    kinds = frozenset(kinds)
    on_calls = isinstance(subjects[0], Call)
    if any(isinstance(subject, Call) != on_calls for subject in subjects):
        raise ValueError("a batch erases calls or interventions, not both")
    fk = "call_id" if on_calls else "intervention_id"
    ids = [subject.pk for subject in subjects]
    rows = PersonalDatum.objects.filter(**{f"{fk}__in": ids}, kind__in=kinds, erased_at__isnull=True)
    erased: dict[int, list[str]] = defaultdict(list)
    photos: list[int] = []
    for subject_id, kind, value in rows.values_list(fk, "kind", "value"):
        erased[subject_id].append(kind)
        if kind == PersonalKind.PHOTO and isinstance(value, int):
            photos.append(value)
    if erased:
        rows.update(value=None, erased_at=now, erased_because=because[:64])
    _photos_erase(photos, now)
    touched = set(erased) | _copies_blank(on_calls, ids, subjects, kinds, now)
    heads = _chain_heads(SubjectType.CALL if on_calls else SubjectType.INTERVENTION, sorted(touched))
    events = []
    for subject in subjects:
        if subject.pk not in touched:
            continue
        seq, prev_hash = heads[subject.pk]
        found = erased.get(subject.pk, [])
        data = {"kinds": sorted(set(found)) or sorted(kinds), "values": len(found), "because": because}
        built = event_build(
            subject=subject, kind="personal.erased", actor=actor, data=data, seq=seq + 1, prev_hash=prev_hash
        )
        events.append(built.event)
    Event.objects.bulk_create(events)
    return {subject_id: len(found) for subject_id, found in erased.items()}


def _photos_erase(document_ids: list[int], now: datetime) -> None:
    """Photos' documents marked erased now, their files deleted once the erasure commits (a
    rollback must not leave a row pointing at a deleted file)."""
    if not document_ids:
        return
    documents = PlantDocument.objects.filter(
        pk__in=document_ids, kind=DocumentKind.PHOTO, personal_erased_at__isnull=True
    )
    files = [(document.file.storage, document.file.name) for document in documents if document.file.name]
    documents.update(personal_erased_at=now, file="")

    def delete_files() -> None:
        for storage, name in files:
            if name:
                storage.delete(name)

    transaction.on_commit(delete_files)


def _chain_heads(subject_type: str, ids: list[int]) -> dict[int, tuple[int, str]]:
    """The last (seq, digest) of each subject's chain, in one query."""
    if not ids:
        return {}
    last_seq = (
        Event.objects.filter(subject_type=subject_type, subject_id=OuterRef("subject_id"))
        .order_by("-seq")
        .values("seq")[:1]
    )
    heads = Event.objects.filter(subject_type=subject_type, subject_id__in=ids, seq=Subquery(last_seq))
    return {
        subject_id: (seq, digest)
        for subject_id, seq, digest in heads.values_list("subject_id", "seq", "hash")
    }


def _copies_blank(
    on_calls: bool,
    ids: list[int],
    subjects: Sequence[Call | Intervention],
    kinds: frozenset[str],
    now: datetime,
) -> set[int]:
    """Blank the subjects' own copies of the erased data; the ids of those that had any."""
    touched: set[int] = set()
    callbacks = Callback.objects.filter(**{f"{'call' if on_calls else 'intervention'}_id__in": ids})
    fk = "call_id" if on_calls else "intervention_id"
    if PersonalKind.CALLER_NUMBER in kinds:
        with_number = callbacks.exclude(number="")
        touched |= set(with_number.values_list(fk, flat=True))
        with_number.update(number="")
    if PersonalKind.NOTE in kinds:
        with_note = callbacks.exclude(note="", outcome="")
        touched |= set(with_note.values_list(fk, flat=True))
        with_note.update(note="", outcome="")
    if on_calls:
        number, notes = PersonalKind.CALLER_NUMBER in kinds, PersonalKind.NOTE in kinds
        calls = [call for call in subjects if isinstance(call, Call)]
        having = [call.pk for call in calls if (number and call.caller_number) or (notes and call.notes)]
        if having:
            Call.objects.filter(pk__in=having).personal_data_blank(number=number, notes=notes, now=now)
            touched.update(having)
    elif PersonalKind.NOTE in kinds:
        steps = InterventionStep.objects.filter(intervention_id__in=ids).exclude(note="")
        touched |= set(steps.values_list("intervention_id", flat=True))
        steps.update(note="")
    return touched


def technician_positions_clear(*, before: datetime) -> int:
    """Forget technicians' current positions recorded before ``before`` (the retention of
    positions); returns how many were cleared. One short statement: the profile rows it touches
    are locked only for it. A phone that later resends an older position has it recorded again,
    and cleared again by the next run."""
    return UserProfile.objects.filter(position_at__lt=before).update(
        latitude=None, longitude=None, position_at=None, position_accuracy_m=None
    )
