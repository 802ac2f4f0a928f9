"""The history as people read it: one sentence per event, in the reader's language and time zone.

The one renderer for the call and intervention pages, the technician's phone and the API's
``summary``. It takes events *after* ``dispatch.access.history_for_user``: personal values are
already resolved (or "(erased)") and what the reader's role may not read is already
``disclosure.WITHHELD``, so a sentence never says more than the data it is built from. A value
withheld reads as "(withheld)" in place ("SMS to (withheld) delivered at 03:52:10"); a sentence
that would only quote withheld text says that something happened, not what.

Every event kind the code writes has a sentence here (``tests/dispatch/test_timeline.py`` scans
the source for kinds): a kind without one still renders, as its name, but the test fails.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .choices import STAFF_ROLES
from .disclosure import WITHHELD
from .models import Call, Event, Intervention
from .roles import user_roles
from .transitions import TRANSITIONS

Data = Mapping[str, Any]
EMPTY = "—"


@dataclass(frozen=True)
class Change:
    """One field an event changed, as the reader sees it."""

    field: str
    before: str
    after: str


@dataclass(frozen=True)
class TimelineEntry:
    """An event with its sentence, its changes and (for staff only) its raw data."""

    event: Event
    sentence: str
    changes: list[Change]
    details: str


def _label(value: Any) -> str:
    """A value in a sentence: times local, nothing as a dash, withheld as withheld."""
    if value is None or value == "":
        return EMPTY
    if value == WITHHELD:
        return _("(withheld)")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    moment = _as_datetime(value)
    if moment is not None:
        return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
    if isinstance(value, list):
        return ", ".join(_label(item) for item in value) or EMPTY
    if isinstance(value, dict):
        return ", ".join(f"{key}: {_label(item)}" for key, item in value.items()) or EMPTY
    return str(value)


def _as_datetime(value: Any) -> datetime | None:
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


def _time(value: Any, fallback: datetime) -> str:
    """A time of day ("03:52:10"), local; the event's own time when the data has none."""
    if value == WITHHELD:
        return _("(withheld)")
    moment = _as_datetime(value) or fallback
    return formats.time_format(timezone.localtime(moment), "H:i:s")


def _readable(value: Any) -> bool:
    return value not in (None, "", WITHHELD)


def _with_text(sentence: str, text: Any) -> str:
    """``sentence`` followed by ``text`` when the reader may read it, else the sentence alone."""
    return f"{sentence}: {_label(text)}" if _readable(text) else f"{sentence}."


def _model_for(event: Event) -> type[models.Model]:
    return Call if event.subject_type == "call" else Intervention


def _field(model: type[models.Model], name: str) -> models.Field[Any, Any] | None:
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.Field) else None


def _field_value(model: type[models.Model], name: str, value: Any) -> str:
    field = _field(model, name)
    if field is not None and field.choices and isinstance(value, str | int):
        return str(dict(field.flatchoices).get(value, value))
    return _label(value)


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
            Change(_field_label(model, name), _field_value(model, name, old), _field_value(model, name, new))
        )
    return changes


# --- the sentences, per kind ------------------------------------------------------------------

_CHANNELS = {"sms": "SMS", "email": "Email", "fax": "Fax"}


def _channel(data: Data) -> str:
    channel = data.get("channel")
    return _CHANNELS.get(channel, _label(channel)) if isinstance(channel, str) else _label(channel)


def _notification(data: Data) -> dict[str, str]:
    return {"channel": _channel(data), "recipient": _label(data.get("recipient"))}


def _after(data: Data) -> Data:
    after = data.get("after")
    return after if isinstance(after, dict) else {}


def _call_logged(event: Event, data: Data) -> str:
    caller = _after(data).get("caller_number")
    if _readable(caller):
        return _("Call logged from %(caller)s.") % {"caller": caller}
    return _("Call logged.")


def _call_updated(event: Event, data: Data) -> str:
    names = [change.field for change in event_changes(event)]
    if not names:
        return _("Call updated.")
    return _("Call updated: %(fields)s.") % {"fields": ", ".join(names)}


def _call_answered(event: Event, data: Data) -> str:
    return _("Call answered at %(time)s.") % {
        "time": _time(_after(data).get("answered_at"), event.occurred_at)
    }


def _call_ended(event: Event, data: Data) -> str:
    return _("Call ended at %(time)s.") % {"time": _time(_after(data).get("ended_at"), event.occurred_at)}


def _script_answer(event: Event, data: Data) -> str:
    return _("Script “%(script)s”: %(question)s — %(answer)s") % {
        "script": _label(data.get("script")),
        "question": _label(data.get("question")),
        "answer": _label(data.get("answer")),
    }


def _callback_scheduled(event: Event, data: Data) -> str:
    return _("Callback scheduled for %(due)s.") % {"due": _label(data.get("due_at"))}


def _callback_due(event: Event, data: Data) -> str:
    return _("Callback due now (scheduled for %(due)s).") % {"due": _label(data.get("due_at"))}


def _callback_completed(event: Event, data: Data) -> str:
    return _with_text(_("Callback done"), data.get("outcome"))


def _callback_cancelled(event: Event, data: Data) -> str:
    return _with_text(_("Callback cancelled"), data.get("outcome"))


def _opened(event: Event, data: Data) -> str:
    priority = _field_value(Intervention, "priority", _after(data).get("priority"))
    return _("Intervention opened, priority %(priority)s.") % {"priority": priority}


def _assign(event: Event, data: Data) -> str:
    return _("Assigned to %(technician)s.") % {"technician": _label(_after(data).get("technician"))}


def _acknowledge(event: Event, data: Data) -> str:
    at = _after(data).get("acknowledged_at")
    return _("Acknowledged by the technician at %(time)s.") % {"time": _time(at, event.occurred_at)}


def _arrive(event: Event, data: Data) -> str:
    at = _after(data).get("arrived_at")
    return _("Technician on site at %(time)s.") % {"time": _time(at, event.occurred_at)}


def _complete(event: Event, data: Data) -> str:
    return _with_text(_("Work completed"), _after(data).get("closing_reason"))


def _close(event: Event, data: Data) -> str:
    return _with_text(_("Closed by the supervisor"), _after(data).get("close_override_reason"))


def _cancel(event: Event, data: Data) -> str:
    return _with_text(_("Cancelled by the supervisor"), _after(data).get("cancel_reason"))


def _close_override(event: Event, data: Data) -> str:
    return _("Closed although the plant still reports %(faults)s; reason: %(reason)s") % {
        "faults": _label(data.get("faults")),
        "reason": _label(data.get("override_reason")),
    }


def _note(event: Event, data: Data) -> str:
    note = data.get("note")
    return _("Note: %(note)s") % {"note": note} if _readable(note) else _("A note was added.")


def _phone_step(event: Event, data: Data) -> str:
    action = data.get("action")
    transition = TRANSITIONS.get(action) if isinstance(action, str) else None
    sentence = _("From the phone: %(action)s at %(time)s (%(outcome)s)") % {
        "action": str(transition.label) if transition else _label(action),
        "time": _time(data.get("phone_time"), event.occurred_at),
        "outcome": _label(data.get("outcome")),
    }
    return _with_text(sentence, data.get("note"))


def _queued(event: Event, data: Data) -> str:
    rows = data.get("notifications")
    rows = rows if isinstance(rows, list) else []
    parts = [
        _("%(channel)s to %(recipient)s") % _notification(row if isinstance(row, dict) else {})
        for row in rows
    ]
    return _("Notification queued: %(list)s.") % {"list": ", ".join(parts) or EMPTY}


def _sent(event: Event, data: Data) -> str:
    return _("%(channel)s to %(recipient)s sent at %(time)s (attempt %(attempt)s).") % {
        **_notification(data),
        "time": _time(None, event.occurred_at),
        "attempt": _label(data.get("attempt")),
    }


def _retry(event: Event, data: Data) -> str:
    return _("%(channel)s to %(recipient)s not sent (attempt %(attempt)s); next attempt %(next)s.") % {
        **_notification(data),
        "attempt": _label(data.get("attempt")),
        "next": _label(data.get("next_attempt_at")),
    }


def _failed(event: Event, data: Data) -> str:
    sentence = _("%(channel)s to %(recipient)s failed at %(time)s") % {
        **_notification(data),
        "time": _time(None, event.occurred_at),
    }
    return _with_text(sentence, data.get("detail"))


def _delivered(event: Event, data: Data) -> str:
    return _("%(channel)s to %(recipient)s delivered at %(time)s.") % {
        **_notification(data),
        "time": _time(None, event.occurred_at),
    }


def _report(event: Event, data: Data) -> str:
    return _with_text(
        _("Gateway report on %(channel)s to %(recipient)s") % _notification(data), data.get("detail")
    )


def _recovered(event: Event, data: Data) -> str:
    sentence = _("%(channel)s to %(recipient)s taken back after a stalled send") % _notification(data)
    return _with_text(sentence, data.get("detail"))


def _no_channel(event: Event, data: Data) -> str:
    return _("No way to notify %(technician)s: no active contact point.") % {
        "technician": _label(data.get("technician"))
    }


def _ack_overdue(event: Event, data: Data) -> str:
    return _("Not acknowledged yet (round %(round)s); reminded by %(channel)s.") % {
        "round": _label(data.get("round")),
        "channel": _channel(data),
    }


def _supervisor_warned(event: Event, data: Data) -> str:
    count = data.get("supervisors")
    number = count if isinstance(count, int) else 0
    sentence = ngettext("%(count)s supervisor warned", "%(count)s supervisors warned", number) % {
        "count": _label(count)
    }
    return _with_text(sentence, data.get("why"))


def _reply(event: Event, data: Data) -> str:
    text = data.get("text")
    if not _readable(text):
        return _("A reply came from the technician.")
    return _("Reply from %(sender)s: %(text)s") % {"sender": _label(data.get("from")), "text": text}


def _check(event: Event, data: Data) -> str:
    plant = _label(data.get("plant"))
    duration = data.get("duration_ms")
    seconds = formats.number_format(duration / 1000, 1) if isinstance(duration, int | float) else EMPTY
    if data.get("outcome") not in ("ok", "stale"):
        return _("Plant %(plant)s checked: %(outcome)s (%(seconds)s s).") % {
            "plant": plant,
            "outcome": _label(data.get("outcome")).replace("_", " "),
            "seconds": seconds,
        }
    state = [_("active") if data.get("active") else _("not active")]
    if data.get("anomaly"):
        code = data.get("alarm_code")
        state.append(_("anomaly %(code)s") % {"code": code} if _readable(code) else _("anomaly"))
    else:
        state.append(_("no anomaly"))
    if data.get("out_of_service"):
        state.append(_("out of service"))
    if data.get("stale"):
        state.append(_("stale data"))
    return _("Plant %(plant)s checked: %(state)s (%(seconds)s s).") % {
        "plant": plant,
        "state": ", ".join(state),
        "seconds": seconds,
    }


def _alarm_raised(event: Event, data: Data) -> str:
    sentence = _("Alarm from the plant (%(kind)s %(code)s)") % {
        "kind": _label(data.get("kind")),
        "code": _label(data.get("code")),
    }
    return _with_text(sentence, data.get("message"))


def _alarm_cleared(event: Event, data: Data) -> str:
    return _("Alarm %(kind)s cleared at %(time)s.") % {
        "kind": _label(data.get("kind")),
        "time": _time(data.get("cleared_at"), event.occurred_at),
    }


def _because(value: Any) -> str:
    """Why personal data was erased or exported: "request:12", "retention:caller_number"."""
    if isinstance(value, str) and value.startswith("request:"):
        return _("request #%(number)s") % {"number": value.removeprefix("request:")}
    if isinstance(value, str) and value.startswith("retention:"):
        return _("the retention policy (%(kind)s)") % {
            "kind": value.removeprefix("retention:").replace("_", " ")
        }
    return _label(value)


def _erased(event: Event, data: Data) -> str:
    values = data.get("values")
    count = values if isinstance(values, int) else 0
    return ngettext(
        "Personal data erased (%(kinds)s, %(values)s value) because of %(because)s.",
        "Personal data erased (%(kinds)s, %(values)s values) because of %(because)s.",
        count,
    ) % {
        "kinds": _label(data.get("kinds")),
        "values": _label(values),
        "because": _because(data.get("because")),
    }


def _exported(event: Event, data: Data) -> str:
    because = data.get("because")
    if not _readable(because):
        return _("Personal data exported.")
    return _("Personal data exported for %(because)s.") % {"because": _because(because)}


def _erasure_kept(event: Event, data: Data) -> str:
    return _with_text(_("Personal data kept, not erased"), data.get("reason"))


def _hold_set(event: Event, data: Data) -> str:
    until = data.get("until")
    if not _readable(until):
        return _("Legal hold set.")
    return _("Legal hold set until %(until)s.") % {"until": _label(until)}


def _hold_released(event: Event, data: Data) -> str:
    return _("Legal hold released.")


def _resealed(event: Event, data: Data) -> str:
    sentence = _("History resealed (%(count)s events)") % {"count": _label(data.get("resealed"))}
    return _with_text(sentence, data.get("reason"))


SENTENCES: Mapping[str, Callable[[Event, Data], str]] = {
    "call.logged": _call_logged,
    "call.updated": _call_updated,
    "call.answered": _call_answered,
    "call.ended": _call_ended,
    "call.script_answer": _script_answer,
    "callback.scheduled": _callback_scheduled,
    "callback.due": _callback_due,
    "callback.completed": _callback_completed,
    "callback.cancelled": _callback_cancelled,
    "intervention.opened": _opened,
    "intervention.assign": _assign,
    "intervention.acknowledge": _acknowledge,
    "intervention.arrive": _arrive,
    "intervention.complete": _complete,
    "intervention.close": _close,
    "intervention.cancel": _cancel,
    "intervention.close_override": _close_override,
    "intervention.note": _note,
    "intervention.phone_step": _phone_step,
    "notification.queued": _queued,
    "notification.sent": _sent,
    "notification.retry": _retry,
    "notification.failed": _failed,
    "notification.delivered": _delivered,
    "notification.report": _report,
    "notification.recovered": _recovered,
    "notification.no_channel": _no_channel,
    "notification.ack_overdue": _ack_overdue,
    "notification.supervisor_warned": _supervisor_warned,
    "notification.reply": _reply,
    "telecontrol.check": _check,
    "telecontrol.alarm_raised": _alarm_raised,
    "telecontrol.alarm_cleared": _alarm_cleared,
    "personal.erased": _erased,
    "personal.exported": _exported,
    "personal.erasure_kept": _erasure_kept,
    "privacy.hold_set": _hold_set,
    "privacy.hold_released": _hold_released,
    "history.resealed": _resealed,
}


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


__all__ = ["Change", "TimelineEntry", "event_changes", "event_details", "event_sentence", "timeline_for"]
