"""The values in the history's sentences: local times, choices by their labels, withheld as such,
and a change as before → after (``dispatch.timeline``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from dispatch.disclosure import WITHHELD
from dispatch.models import Call, Event, Intervention

Data = Mapping[str, Any]
EMPTY = "—"


@dataclass(frozen=True)
class Change:
    """One field an event changed, as the reader sees it."""

    field: str
    before: str
    after: str


def label(value: Any) -> str:
    """A value in a sentence: times local, nothing as a dash, withheld as withheld."""
    if value is None or value == "":
        return EMPTY
    if value == WITHHELD:
        return _("(withheld)")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    moment = as_datetime(value)
    if moment is not None:
        return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
    if isinstance(value, list):
        return ", ".join(label(item) for item in value) or EMPTY
    if isinstance(value, dict):
        return ", ".join(f"{key}: {label(item)}" for key, item in value.items()) or EMPTY
    return str(value)


def as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and len(value) >= 19 and value[4:5] == "-" and value[10:11] in "T ":
        parsed = parse_datetime(value)
        if parsed is None:
            return None
        moment = parsed
    else:
        return None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, UTC)


def time_of_day(value: Any, fallback: datetime) -> str:
    """A time of day ("03:52:10"), local; the event's own time when the data has none."""
    if value == WITHHELD:
        return _("(withheld)")
    moment = as_datetime(value) or fallback
    return formats.time_format(timezone.localtime(moment), "H:i:s")


def readable(value: Any) -> bool:
    return value not in (None, "", WITHHELD)


def with_text(sentence: str, text: Any) -> str:
    """``sentence`` followed by ``text`` when the reader may read it, else the sentence alone."""
    return f"{sentence}: {label(text)}" if readable(text) else f"{sentence}."


def _model_for(event: Event) -> type[models.Model]:
    return Call if event.subject_type == "call" else Intervention


def _field(model: type[models.Model], name: str) -> models.Field[Any, Any] | None:
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.Field) else None


def field_value(model: type[models.Model], name: str, value: Any) -> str:
    field = _field(model, name)
    if field is not None and field.choices and isinstance(value, str | int):
        return str(dict(field.flatchoices).get(value, value))
    return label(value)


def _field_label(model: type[models.Model], name: str) -> str:
    field = _field(model, name)
    return str(field.verbose_name) if field is not None else name.replace("_", " ")


def event_changes(event: Event) -> list[Change]:
    """The fields an event changed, before → after; unchanged fields are left out."""
    data = event.data if isinstance(event.data, dict) else {}
    before, after = data.get("before"), data.get("after")
    if not isinstance(after, dict):
        return []
    before = before if isinstance(before, dict) else {}
    model = _model_for(event)
    changes = []
    for name, new in after.items():
        old = before.get(name)
        if name in before and old == new:
            continue
        changes.append(
            Change(_field_label(model, name), field_value(model, name, old), field_value(model, name, new))
        )
    return changes


# --- the sentences, per kind ------------------------------------------------------------------

_CHANNELS = {"sms": "SMS", "email": "Email", "fax": "Fax"}


def channel_label(data: Data) -> str:
    channel = data.get("channel")
    return _CHANNELS.get(channel, label(channel)) if isinstance(channel, str) else label(channel)


def recipient_label(data: Data) -> str:
    """Who a notification went to: "Tino Tecnico (+39 333 …)", the name and the address it went
    to, each as far as the reader may read it. Events written before the name was recorded, and
    rows to a bare address (a customer's contact), have the address alone."""
    name, address = data.get("recipient_name"), data.get("recipient")
    if readable(name):
        return f"{name} ({address})" if readable(address) else str(name)
    return label(address)


def person_label(data: Data, key: str) -> str:
    """A person the event names by ``key`` (an id) and ``<key>_name`` (written later on): the name
    when the reader may read it."""
    name = data.get(f"{key}_name")
    return str(name) if readable(name) else label(data.get(key))


def notification_parts(data: Data) -> dict[str, str]:
    return {"channel": channel_label(data), "recipient": recipient_label(data)}


def after_of(data: Data) -> Data:
    after = data.get("after")
    return after if isinstance(after, dict) else {}
