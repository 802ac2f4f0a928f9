"""Personal data in the history: sealed apart by commitment, read back, and the caller's token.

Where an event of a listed kind would hold a person's data (``PERSONAL_PATHS``), it holds
``{"$personal": <commitment>}`` instead and the value goes into a ``PersonalDatum`` row. The
commitment is HMAC-SHA256 (``PRONTO_HISTORY_KEY``) over the row's random salt and the value's
canonical JSON: it says nothing of the value (the salt defeats guessing a phone number), the
event's digest covers it, and a value changed in place no longer matches it. Erasing a row
drops its value and keeps salt and commitment: the chain still verifies. See ADR 0002.

A caller's number is also kept as a token (``caller_token``): HMAC-SHA256 under
``PRONTO_CALLER_TOKEN_KEY``, a key that lives in the environment, not in the database. Calls
from the same number share it after the number itself is erased, so "earlier calls from this
number" and repeat-caller figures keep working, and nobody holding only the database can turn
a token back into a number by trying every number.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

from .choices import PersonalKind
from .models import PersonalDatum

REFERENCE = "$personal"
ERASED = "(erased)"

_CALL_FIELDS = {"caller_number": PersonalKind.CALLER_NUMBER, "notes": PersonalKind.NOTE}
_CALL_CHANGE = {f"{side}.{name}": kind for side in ("before", "after") for name, kind in _CALL_FIELDS.items()}
_CALLBACK = {"number": PersonalKind.CALLER_NUMBER, "note": PersonalKind.NOTE, "outcome": PersonalKind.NOTE}

# Per event kind, the dotted paths into its data that hold a person's data, and what kind.
PERSONAL_PATHS: Mapping[str, Mapping[str, str]] = {
    "call.logged": {f"after.{name}": kind for name, kind in _CALL_FIELDS.items()},
    "call.updated": _CALL_CHANGE,
    "call.answered": _CALL_CHANGE,
    "call.ended": _CALL_CHANGE,
    "callback.scheduled": _CALLBACK,
    "callback.due": _CALLBACK,
    "callback.completed": _CALLBACK,
    "callback.cancelled": _CALLBACK,
    "intervention.note": {"note": PersonalKind.NOTE},
    # A photo: the event keeps the file's SHA-256 (what was taken), the row the document it is in.
    "intervention.phone_step": {"note": PersonalKind.NOTE, "photo": PersonalKind.PHOTO},
    # Issue 20: a technician's email reply quotes what they wrote.
    "inbound.reply": {"text": PersonalKind.NOTE},
}


def _canonical(value: Any) -> bytes:
    return json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":")).encode()


def commitment_of(salt: str, value: Any) -> str:
    key = settings.PRONTO_HISTORY_KEY.encode()
    return hmac.new(key, salt.encode() + b"\x00" + _canonical(value), hashlib.sha256).hexdigest()


def caller_token(number: str) -> str:
    """The caller's pseudonym: the same for every call from ``number`` (normalised), empty for
    a withheld number."""
    if not number:
        return ""
    key = settings.PRONTO_CALLER_TOKEN_KEY.encode()
    return hmac.new(key, number.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Sealed:
    """An event's data with its personal values replaced by references, and the rows to keep them."""

    data: dict[str, Any]
    personal: list[PersonalDatum]


def personal_seal(
    *, kind: str, data: dict[str, Any], call_id: int | None, intervention_id: int | None, now: datetime
) -> Sealed:
    """``data`` as the event keeps it: each non-empty value at a personal path of ``kind`` moved
    into an unsaved ``PersonalDatum`` of the subject. Empty values stay: they say nothing."""
    paths = PERSONAL_PATHS.get(kind)
    if not paths:
        return Sealed(data, [])
    sealed = copy.deepcopy(data)
    rows: list[PersonalDatum] = []
    for path, personal_kind in paths.items():
        *parents, name = path.split(".")
        holder: Any = sealed
        for parent in parents:
            holder = holder.get(parent) if isinstance(holder, dict) else None
        if not isinstance(holder, dict) or holder.get(name) in (None, ""):
            continue
        value = holder[name]
        salt = secrets.token_hex(16)
        commitment = commitment_of(salt, value)
        rows.append(
            PersonalDatum(
                kind=personal_kind, value=value, salt=salt, commitment=commitment,
                call_id=call_id, intervention_id=intervention_id, created_at=now,
            )
        )  # fmt: skip
        holder[name] = {REFERENCE: commitment}
    return Sealed(sealed, rows)


def references_in(data: Any) -> Iterator[str]:
    """The commitments ``data`` refers to, at any depth."""
    if isinstance(data, dict):
        if set(data) == {REFERENCE} and isinstance(data[REFERENCE], str):
            yield data[REFERENCE]
            return
        for value in data.values():
            yield from references_in(value)
    elif isinstance(data, list):
        for value in data:
            yield from references_in(value)


def _resolved(data: Any, values: Mapping[str, Any]) -> Any:
    if isinstance(data, dict):
        if set(data) == {REFERENCE} and isinstance(data[REFERENCE], str):
            return values.get(data[REFERENCE], ERASED)
        return {key: _resolved(value, values) for key, value in data.items()}
    if isinstance(data, list):
        return [_resolved(value, values) for value in data]
    return data


def personal_values(commitments: Iterable[str]) -> dict[str, Any]:
    """The values still held for ``commitments`` (erased ones are absent), in one query."""
    wanted = set(commitments)
    if not wanted:
        return {}
    rows = PersonalDatum.objects.filter(commitment__in=wanted, erased_at__isnull=True)
    return dict(rows.values_list("commitment", "value"))


def personal_resolve(datas: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each event data with its references replaced by the value, or ``ERASED``."""
    values = personal_values(ref for data in datas for ref in references_in(data))
    return [_resolved(data, values) for data in datas]
