"""The history as people read it: one sentence per event, in the reader's language and time zone.

The one renderer (this package: ``values`` for times, choices and changes, ``sentences`` per
kind) for the call and intervention pages, the technician's phone and the API's
``summary``. It takes events *after* ``dispatch.access.history_for_user``: personal values are
already resolved (or "(erased)") and what the reader's role may not read is already
``disclosure.WITHHELD``, so a sentence never says more than the data it is built from. A value
withheld reads as "(withheld)" in place ("SMS to (withheld) delivered at 03:52:10"); a sentence
that would only quote withheld text says that something happened, not what.

Every event kind the code writes has a sentence in ``sentences.SENTENCES``
(``tests/dispatch/test_timeline.py`` scans the source for kinds): a kind without one still
renders, as its name, but the test fails.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from dispatch.choices import STAFF_ROLES
from dispatch.models import Event
from dispatch.roles import user_roles

from .sentences import SENTENCES
from .values import Change, event_changes


@dataclass(frozen=True)
class TimelineEntry:
    """An event with its sentence, its changes and (for staff only) its raw data."""

    event: Event
    sentence: str
    changes: list[Change]
    details: str


def event_sentence(event: Event) -> str:
    """The event as a sentence in the active language (its name when the kind has none)."""
    render = SENTENCES.get(event.kind)
    if render is None:
        return event.kind
    return render(event, event.data if isinstance(event.data, dict) else {})


def event_details(event: Event) -> str:
    """The raw data, as stored (after the disclosure policy), for the staff's disclosure."""
    return json.dumps(event.data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2, sort_keys=True)


def timeline_for(user: Any, events: Iterable[Event]) -> list[TimelineEntry]:
    """The entries for events already passed through ``access.history_for_user``; the raw data
    only for staff (operators and supervisors), who work from it."""
    staff = bool(user_roles(user) & STAFF_ROLES)
    return [
        TimelineEntry(
            event, event_sentence(event), event_changes(event), event_details(event) if staff else ""
        )
        for event in events
    ]


__all__ = [
    "SENTENCES",
    "Change",
    "TimelineEntry",
    "event_changes",
    "event_details",
    "event_sentence",
    "timeline_for",
]
