"""Move the personal data already in the history into rows of their own (ADR 0002).

Events written before 0019 hold callers' numbers and notes inline, and their digests cover
those values: erasing them in place would break the chain. This migration, for each chain that
holds any:

1. checks every digest and link as they stand, and stops (nothing changed) if one fails: a
   history that was tampered with is not re-sealed into looking sound; run verify_history;
2. moves each inline value at a path of ``dispatch.personal.PERSONAL_PATHS`` into a
   ``PersonalDatum`` row (its salt, its commitment) and leaves the reference in the event;
3. re-seals the chain's digests from the first changed event on, and appends a
   ``history.resealed`` event that names the chain's former head digest and how many events
   were re-sealed, so the chain itself says when and why it was re-sealed.

It also gives every call its caller token. PostgreSQL's guards refuse both kinds of change, so
they are switched off for this migration's transaction only (the migration runs as the tables'
owner; the application's role cannot do this).
"""

import copy
import secrets

from django.conf import settings
from django.db import migrations
from django.utils import timezone

from dispatch.history import event_canonical, event_digest
from dispatch.personal import PERSONAL_PATHS, REFERENCE, caller_token, commitment_of

CHUNK = 2000
GUARDS = (("dispatch_event", "dispatch_event_append_only"), ("dispatch_call", "dispatch_call_guard"))


class TamperedHistory(RuntimeError):
    pass


def _digest(event) -> str:
    return event_digest(
        event_canonical(
            subject_type=event.subject_type, subject_id=event.subject_id, seq=event.seq,
            occurred_at=event.occurred_at, actor_id=event.actor_id, actor_label=event.actor_label,
            kind=event.kind, call_id=event.call_id, intervention_id=event.intervention_id,
            data=event.data, prev_hash=event.prev_hash,
        )
    )  # fmt: skip


def _seal_inline(event, PersonalDatum) -> list:
    """Move the event's inline personal values into unsaved rows; returns them."""
    rows = []
    for path, kind in PERSONAL_PATHS.get(event.kind, {}).items():
        *parents, name = path.split(".")
        holder = event.data
        for parent in parents:
            holder = holder.get(parent) if isinstance(holder, dict) else None
        if not isinstance(holder, dict) or holder.get(name) in (None, ""):
            continue
        value = holder[name]
        if isinstance(value, dict) and set(value) == {REFERENCE}:
            continue  # already apart
        salt = secrets.token_hex(16)
        commitment = commitment_of(salt, value)
        rows.append(
            PersonalDatum(
                kind=kind, value=value, salt=salt, commitment=commitment, call_id=event.call_id,
                intervention_id=event.intervention_id, created_at=event.occurred_at,
            )
        )  # fmt: skip
        holder[name] = {REFERENCE: commitment}
    return rows


def _chain_move(events, Event, PersonalDatum, now) -> int:
    """Re-seal one chain (its events in order) if it holds inline personal data; events re-sealed."""
    prev_hash = ""
    for event in events:
        if event.prev_hash != prev_hash or _digest(event) != event.hash:
            raise TamperedHistory(
                f"{event.subject_type}:{event.subject_id} seq {event.seq} does not verify: the history "
                "was changed outside Pronto. Run manage.py verify_history; nothing was migrated."
            )
        prev_hash = event.hash
    old_head = prev_hash
    changed_from = None
    rows = []
    for index, event in enumerate(events):
        event.data = copy.deepcopy(event.data)
        sealed = _seal_inline(event, PersonalDatum)
        if sealed and changed_from is None:
            changed_from = index
        rows.extend(sealed)
    if changed_from is None:
        return 0
    PersonalDatum.objects.bulk_create(rows)
    prev_hash = events[changed_from - 1].hash if changed_from else ""
    for event in events[changed_from:]:
        event.prev_hash = prev_hash
        event.hash = _digest(event)
        prev_hash = event.hash
    Event.objects.bulk_update(events[changed_from:], ["data", "prev_hash", "hash"])
    last = events[-1]
    anchor = Event(
        subject_type=last.subject_type, subject_id=last.subject_id, seq=last.seq + 1, occurred_at=now,
        actor_id=None, actor_label="system", kind="history.resealed", call_id=last.call_id,
        intervention_id=last.intervention_id, prev_hash=prev_hash,
        data={
            "former_head": old_head, "resealed": len(events) - changed_from,
            "reason": "personal data moved apart from the history (migration dispatch 0020, ADR 0002)",
        },
    )  # fmt: skip
    anchor.hash = _digest(anchor)
    anchor.save(force_insert=True)
    return len(events) - changed_from


def _guards(schema_editor, enable: bool) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    if enable:
        # The foreign keys of the rows just written are checked at commit: check them now, or
        # PostgreSQL refuses to alter a table with trigger events pending.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for table, trigger in GUARDS:
        schema_editor.execute(f"ALTER TABLE {table} {'ENABLE' if enable else 'DISABLE'} TRIGGER {trigger}")


def forward(apps, schema_editor):
    Event = apps.get_model("dispatch", "Event")
    Call = apps.get_model("dispatch", "Call")
    PersonalDatum = apps.get_model("dispatch", "PersonalDatum")
    if not settings.PRONTO_HISTORY_KEY or not settings.PRONTO_CALLER_TOKEN_KEY:
        raise RuntimeError("PRONTO_HISTORY_KEY and PRONTO_CALLER_TOKEN_KEY must be set to move personal data.")
    now = timezone.now()
    _guards(schema_editor, enable=False)
    try:
        calls = Call.objects.filter(caller_token="").exclude(caller_number="").only("pk", "caller_number")
        pending = []
        for call in calls.iterator(chunk_size=CHUNK):
            call.caller_token = caller_token(call.caller_number)
            pending.append(call)
            if len(pending) >= CHUNK:
                Call.objects.bulk_update(pending, ["caller_token"])
                pending = []
        Call.objects.bulk_update(pending, ["caller_token"])
        chain, key = [], None
        ordered = Event.objects.order_by("subject_type", "subject_id", "seq").iterator(chunk_size=CHUNK)
        for event in ordered:
            if (event.subject_type, event.subject_id) != key:
                if chain:
                    _chain_move(chain, Event, PersonalDatum, now)
                chain, key = [], (event.subject_type, event.subject_id)
            chain.append(event)
        if chain:
            _chain_move(chain, Event, PersonalDatum, now)
    finally:
        _guards(schema_editor, enable=True)


class Migration(migrations.Migration):
    dependencies = [("dispatch", "0019_personal_data")]

    # Forward only: putting personal values back inline would need the erased ones, which are gone.
    operations = [migrations.RunPython(forward, migrations.RunPython.noop, elidable=False)]
