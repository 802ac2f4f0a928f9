"""The history's hash chain: canonical form of an event and its keyed digest.

A digest is HMAC-SHA256 (key: ``PRONTO_HISTORY_KEY``) over the canonical JSON of the event's
content and the previous event's digest in the same chain. Anyone who edits a row without the
key cannot produce a matching digest; ``verify_history`` recomputes them all.
"""

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder


def json_plain(value: Any) -> Any:
    """``value`` with dates, decimals and UUIDs turned into strings: what the JSON column returns."""
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
    data: dict,
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


def event_digest_of(event) -> str:
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
