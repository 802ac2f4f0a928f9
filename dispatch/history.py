"""The history: events appended to each call's and intervention's hash chain, and the chain's
canonical form and keyed digest.

A digest is HMAC-SHA256 (key: ``PRONTO_HISTORY_KEY``) over the canonical JSON of the event's
content and the previous event's digest in the same chain. Anyone who edits a row without the
key cannot produce a matching digest; ``verify_history`` recomputes them all.
"""

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from .choices import SubjectType
from .models import Call, Event, Intervention, PersonalDatum, Plant
from .personal import personal_seal

# Who did it: a user, or None for the system itself (the telemetry listener, a periodic task).
Actor = AbstractBaseUser | None
EventData = dict[str, Any]


def _plain_copy(value: Any) -> Any:
    """A copy of ``value`` when it holds only what JSON holds as it is (string keys, no tuples,
    no dates), else ``_NOT_PLAIN``."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is dict:
        copied = {}
        for key, item in value.items():
            if type(key) is not str:
                return _NOT_PLAIN
            copied[key] = item = _plain_copy(item)
            if item is _NOT_PLAIN:
                return _NOT_PLAIN
        return copied
    if kind is list:
        items = [_plain_copy(item) for item in value]
        return _NOT_PLAIN if any(item is _NOT_PLAIN for item in items) else items
    return _NOT_PLAIN


_NOT_PLAIN = object()


def json_plain(value: Any) -> Any:
    """``value`` with dates, decimals and UUIDs turned into strings: what the JSON column returns."""
    copied = _plain_copy(value)  # most events' data: copied without the JSON round trip
    if copied is not _NOT_PLAIN:
        return copied
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _canonical_time(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def event_canonical(
    *,
    subject_type: str,
    subject_id: int,
    seq: int,
    occurred_at: datetime,
    actor_id: int | None,
    actor_label: str,
    kind: str,
    call_id: int | None,
    intervention_id: int | None,
    data: EventData,
    prev_hash: str,
) -> bytes:
    payload = {
        "subject_type": subject_type,
        "subject_id": subject_id,
        "seq": seq,
        "occurred_at": _canonical_time(occurred_at),
        "actor_id": actor_id,
        "actor_label": actor_label,
        "kind": kind,
        "call_id": call_id,
        "intervention_id": intervention_id,
        "data": data,
        "prev_hash": prev_hash,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def event_digest(canonical: bytes) -> str:
    key = settings.PRONTO_HISTORY_KEY.encode()
    return hmac.new(key, canonical, hashlib.sha256).hexdigest()


def event_digest_of(event: Event) -> str:
    """Recompute the digest of a stored ``Event`` from its columns."""
    return event_digest(
        event_canonical(
            subject_type=event.subject_type,
            subject_id=event.subject_id,
            seq=event.seq,
            occurred_at=event.occurred_at,
            actor_id=event.actor_id,
            actor_label=event.actor_label,
            kind=event.kind,
            call_id=event.call_id,
            intervention_id=event.intervention_id,
            data=event.data,
            prev_hash=event.prev_hash,
        )
    )


# ----------------------------------------------------------------------------------------------
# Recording events


def _actor_label(actor: Actor) -> str:
    return actor.get_username() if actor is not None else "system"


def value_plain(value: Any) -> Any:
    """A field value as the history stores it: users by username, plants by code."""
    if isinstance(value, Plant):
        return value.code
    if isinstance(value, models.Model):
        return value.get_username() if hasattr(value, "get_username") else str(value.pk)
    return value


@dataclass(frozen=True)
class BuiltEvent:
    """An unsaved event and the personal data it refers to (saved first: ``save()``)."""

    event: Event
    personal: list[PersonalDatum]

    def save(self) -> Event:
        if self.personal:
            PersonalDatum.objects.bulk_create(self.personal)
        self.event.save(force_insert=True)
        return self.event


def event_build(
    *, subject: Call | Intervention, kind: str, actor: Actor, data: EventData | None, seq: int, prev_hash: str
) -> BuiltEvent:
    """An unsaved event at ``seq`` of ``subject``'s chain, its digest computed over its data with
    the personal values sealed apart (``dispatch.personal``)."""
    fields, personal = event_values(
        subject=subject, kind=kind, actor=actor, data=data, seq=seq, prev_hash=prev_hash
    )
    return BuiltEvent(Event(**fields), personal)


def event_values(
    *, subject: Call | Intervention, kind: str, actor: Actor, data: EventData | None, seq: int, prev_hash: str
) -> tuple[dict[str, Any], list[PersonalDatum]]:
    """``event_build``'s event as its columns' values by attribute name, ``hash`` included (for
    ``dispatch.bulk.rows_insert``: thousands of events without a model instance each), and the
    personal data it refers to."""
    if isinstance(subject, Call):
        subject_type, call_id, intervention_id = SubjectType.CALL, subject.pk, None
    else:
        subject_type, call_id, intervention_id = SubjectType.INTERVENTION, None, subject.pk
    now = timezone.now()
    sealed = personal_seal(
        kind=kind, data=json_plain(data or {}), call_id=call_id, intervention_id=intervention_id, now=now
    )
    fields: dict[str, Any] = {
        "subject_type": str(subject_type),
        "subject_id": subject.pk,
        "seq": seq,
        "occurred_at": now,
        "actor_id": actor.pk if actor is not None else None,
        "actor_label": _actor_label(actor),
        "kind": kind,
        "call_id": call_id,
        "intervention_id": intervention_id,
        "data": sealed.data,
        "prev_hash": prev_hash,
    }
    fields["hash"] = event_digest(event_canonical(**fields))
    return fields, sealed.personal


def event_record(
    *,
    subject: Call | Intervention,
    kind: str,
    actor: Actor,
    data: EventData | None = None,
    chain_start: bool = False,
) -> Event:
    """Append an event to ``subject``'s hash chain.

    The caller must hold the subject's row lock (``select_for_update``) or have created the
    subject in the current transaction (``chain_start=True``): that lock, not a global one,
    orders the chain, so writes on different calls never wait for each other.
    """
    seq, prev_hash = 1, ""
    if not chain_start:
        subject_type = SubjectType.CALL if isinstance(subject, Call) else SubjectType.INTERVENTION
        last = (
            Event.objects.filter(subject_type=subject_type, subject_id=subject.pk)
            .order_by("-seq")
            .values_list("seq", "hash")
            .first()
        )
        if last is not None:
            seq, prev_hash = last[0] + 1, last[1]
    return event_build(
        subject=subject, kind=kind, actor=actor, data=data, seq=seq, prev_hash=prev_hash
    ).save()


def subject_save_with_first_event(
    subject: Call | Intervention, *, kind: str, actor: Actor, data: EventData
) -> Event:
    """Insert a new call or intervention together with the first event of its chain."""
    with transaction.atomic():
        subject.save(force_insert=True)
        return event_record(subject=subject, kind=kind, actor=actor, data=data, chain_start=True)
