"""One sentence per event kind (``dispatch.timeline``): each takes the event and its data as the
reader may read it, and never says more than that data."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from dispatch.choices import Priority
from dispatch.models import Event, Intervention
from dispatch.transitions import TRANSITIONS

from .messages import MESSAGE_SENTENCES
from .values import (
    EMPTY,
    Data,
    after_of,
    event_changes,
    field_value,
    label,
    readable,
    time_of_day,
    with_text,
)


def _call_logged(event: Event, data: Data) -> str:
    caller = after_of(data).get("caller_number")
    if readable(caller):
        return _("Call logged from %(caller)s.") % {"caller": caller}
    return _("Call logged.")


def _call_updated(event: Event, data: Data) -> str:
    names = [change.field for change in event_changes(event)]
    if not names:
        return _("Call updated.")
    return _("Call updated: %(fields)s.") % {"fields": ", ".join(names)}


def _call_answered(event: Event, data: Data) -> str:
    return _("Call answered at %(time)s.") % {
        "time": time_of_day(after_of(data).get("answered_at"), event.occurred_at)
    }


def _call_ended(event: Event, data: Data) -> str:
    return _("Call ended at %(time)s.") % {
        "time": time_of_day(after_of(data).get("ended_at"), event.occurred_at)
    }


def _script_answer(event: Event, data: Data) -> str:
    return _("Script “%(script)s”: %(question)s — %(answer)s") % {
        "script": label(data.get("script")),
        "question": label(data.get("question")),
        "answer": label(data.get("answer")),
    }


def _callback_scheduled(event: Event, data: Data) -> str:
    return _("Callback scheduled for %(due)s.") % {"due": label(data.get("due_at"))}


def _callback_due(event: Event, data: Data) -> str:
    return _("Callback due now (scheduled for %(due)s).") % {"due": label(data.get("due_at"))}


def _callback_completed(event: Event, data: Data) -> str:
    return with_text(_("Callback done"), data.get("outcome"))


def _callback_cancelled(event: Event, data: Data) -> str:
    return with_text(_("Callback cancelled"), data.get("outcome"))


def _opened(event: Event, data: Data) -> str:
    priority = field_value(Intervention, "priority", after_of(data).get("priority"))
    return _("Intervention opened, priority %(priority)s.") % {"priority": priority}


def _assign(event: Event, data: Data) -> str:
    return _("Assigned to %(technician)s.") % {"technician": label(after_of(data).get("technician"))}


def _acknowledge(event: Event, data: Data) -> str:
    at = after_of(data).get("acknowledged_at")
    return _("Acknowledged by the technician at %(time)s.") % {"time": time_of_day(at, event.occurred_at)}


def _arrive(event: Event, data: Data) -> str:
    at = after_of(data).get("arrived_at")
    return _("Technician on site at %(time)s.") % {"time": time_of_day(at, event.occurred_at)}


def _complete(event: Event, data: Data) -> str:
    return with_text(_("Work completed"), after_of(data).get("closing_reason"))


def _close(event: Event, data: Data) -> str:
    return with_text(_("Closed by the supervisor"), after_of(data).get("close_override_reason"))


def _cancel(event: Event, data: Data) -> str:
    return with_text(_("Cancelled by the supervisor"), after_of(data).get("cancel_reason"))


def _close_override(event: Event, data: Data) -> str:
    return _("Closed although the plant still reports %(faults)s; reason: %(reason)s") % {
        "faults": label(data.get("faults")),
        "reason": label(data.get("override_reason")),
    }


def _note(event: Event, data: Data) -> str:
    note = data.get("note")
    return _("Note: %(note)s") % {"note": note} if readable(note) else _("A note was added.")


def _phone_step(event: Event, data: Data) -> str:
    action = data.get("action")
    transition = TRANSITIONS.get(action) if isinstance(action, str) else None
    sentence = _("From the phone: %(action)s at %(time)s (%(outcome)s)") % {
        "action": str(transition.label) if transition else label(action),
        "time": time_of_day(data.get("phone_time"), event.occurred_at),
        "outcome": label(data.get("outcome")),
    }
    return with_text(sentence, data.get("note"))


def _check(event: Event, data: Data) -> str:
    plant = label(data.get("plant"))
    duration = data.get("duration_ms")
    seconds = formats.number_format(duration / 1000, 1) if isinstance(duration, int | float) else EMPTY
    if data.get("outcome") not in ("ok", "stale"):
        return _("Plant %(plant)s checked: %(outcome)s (%(seconds)s s).") % {
            "plant": plant,
            "outcome": label(data.get("outcome")).replace("_", " "),
            "seconds": seconds,
        }
    state = [_("active") if data.get("active") else _("not active")]
    if data.get("anomaly"):
        code = data.get("alarm_code")
        state.append(_("anomaly %(code)s") % {"code": code} if readable(code) else _("anomaly"))
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
        "kind": label(data.get("kind")),
        "code": label(data.get("code")),
    }
    return with_text(sentence, data.get("message"))


def _alarm_cleared(event: Event, data: Data) -> str:
    return _("Alarm %(kind)s cleared at %(time)s.") % {
        "kind": label(data.get("kind")),
        "time": time_of_day(data.get("cleared_at"), event.occurred_at),
    }


def _because(value: Any) -> str:
    """Why personal data was erased or exported: "request:12", "retention:caller_number"."""
    if isinstance(value, str) and value.startswith("request:"):
        return _("request #%(number)s") % {"number": value.removeprefix("request:")}
    if isinstance(value, str) and value.startswith("retention:"):
        return _("the retention policy (%(kind)s)") % {
            "kind": value.removeprefix("retention:").replace("_", " ")
        }
    return label(value)


def _erased(event: Event, data: Data) -> str:
    values = data.get("values")
    count = values if isinstance(values, int) else 0
    return ngettext(
        "Personal data erased (%(kinds)s, %(values)s value) because of %(because)s.",
        "Personal data erased (%(kinds)s, %(values)s values) because of %(because)s.",
        count,
    ) % {
        "kinds": label(data.get("kinds")),
        "values": label(values),
        "because": _because(data.get("because")),
    }


def _exported(event: Event, data: Data) -> str:
    because = data.get("because")
    if not readable(because):
        return _("Personal data exported.")
    return _("Personal data exported for %(because)s.") % {"because": _because(because)}


def _erasure_kept(event: Event, data: Data) -> str:
    return with_text(_("Personal data kept, not erased"), data.get("reason"))


def _hold_set(event: Event, data: Data) -> str:
    until = data.get("until")
    if not readable(until):
        return _("Legal hold set.")
    return _("Legal hold set until %(until)s.") % {"until": label(until)}


def _hold_released(event: Event, data: Data) -> str:
    return _("Legal hold released.")


def _resealed(event: Event, data: Data) -> str:
    sentence = _("History resealed (%(count)s events)") % {"count": label(data.get("resealed"))}
    return with_text(sentence, data.get("reason"))


def _call_offered(event: Event, data: Data) -> str:
    operator = after_of(data).get("operator")
    if readable(operator):
        return _("Call offered to %(operator)s.") % {"operator": operator}
    return _("Call offered to an operator.")


def _consult_started(event: Event, data: Data) -> str:
    return _("Second-line consult with %(team)s started.") % {"team": label(data.get("team"))}


def _consult_ended(event: Event, data: Data) -> str:
    return _("Second-line consult ended after %(seconds)s s.") % {"seconds": label(data.get("seconds"))}


def _transferred(event: Event, data: Data) -> str:
    return _("Call transferred to %(operator)s.") % {"operator": label(data.get("to"))}


def _priority_raised(event: Event, data: Data) -> str:
    value = after_of(data).get("priority")
    shown = Priority(value).label if value in Priority.values else label(value)
    return with_text(_("Priority raised to %(priority)s") % {"priority": shown}, data.get("reason"))


def _case_typed(event: Event, data: Data) -> str:
    return _("Case type: %(type)s.") % {"type": label(data.get("case_type_name") or data.get("case_type"))}


# The codes the outer apps store in their events (clocks' pause reasons, escalations' targets and
# stop reasons), in words: the history is the core's to read, so the words live here.
CODED_WORDS: Mapping[str, Any] = {
    "customer": gettext_lazy("waiting for the customer"),
    "parts": gettext_lazy("waiting for parts"),
    "access": gettext_lazy("waiting for access"),
    "third_party": gettext_lazy("waiting for a third party"),
    "assigned_technician": gettext_lazy("the assigned technician"),
    "on_call": gettext_lazy("the technician on call"),
    "on_call_backup": gettext_lazy("the backup team's technician on call"),
    "team_leader": gettext_lazy("the team leader"),
    "supervisor_on_duty": gettext_lazy("the supervisors on duty"),
    "acknowledged": gettext_lazy("acknowledged"),
    "cancelled": gettext_lazy("cancelled"),
    "reassigned": gettext_lazy("re-assigned"),
    "finished": gettext_lazy("no longer waiting for an acknowledgement"),
}


def coded(value: Any) -> str:
    """A stored code in words where it is one of ``CODED_WORDS``, else as ``label`` puts it."""
    if isinstance(value, str) and value in CODED_WORDS:
        return str(CODED_WORDS[value])
    return label(value)


def _case_paused(event: Event, data: Data) -> str:
    paused = _("Clocks paused (%(reason)s)") % {"reason": coded(data.get("reason"))}
    return with_text(paused, data.get("note"))


def _case_resumed(event: Event, data: Data) -> str:
    return _("Clocks running again after %(seconds)s s.") % {"seconds": label(data.get("seconds"))}


def _clock_breached(event: Event, data: Data) -> str:
    return _("Target missed: %(metric)s was due at %(time)s.") % {
        "metric": label(data.get("metric")),
        "time": label(data.get("due_at")),
    }


def _escalation_step(event: Event, data: Data) -> str:
    # Issue 18, escalations: each step as it fired; who it found, on what, or why nobody.
    step = _("Escalation step %(position)s (%(target)s)") % {
        "position": label(data.get("position")),
        "target": coded(data.get("target")),
    }
    if data.get("outcome") == "nobody":
        return with_text(step + ": " + _("nobody"), data.get("note"))
    who = label(data.get("user_name")) if data.get("user_name") else ""
    return with_text(f"{step}: {who} {_sent_on(data.get('sent_on'))}".strip(), data.get("note"))


def _sent_on(value: Any) -> str:
    """The channels a step used (``sms,email``), in words; a step that rode on the assignment's own
    messages says so in its note."""
    channels = [part for part in str(value or "").split(",") if part and part != "assignment"]
    if not channels:
        return ""
    names = {"sms": "SMS", "email": _("email"), "fax": _("fax")}
    return _("by %(channels)s") % {"channels": ", ".join(names.get(part, part) for part in channels)}


def _escalation_stopped(event: Event, data: Data) -> str:
    return _("Escalation stopped before step %(position)s: %(reason)s.") % {
        "position": label(data.get("position")),
        "reason": coded(data.get("reason")),
    }


def _escalation_handover_refused(event: Event, data: Data) -> str:
    return _("The escalation did not assign the case to %(name)s (%(why)s): told instead.") % {
        "name": label(data.get("user_name")),
        "why": label(data.get("why")),
    }


def _incident_declared(event: Event, data: Data) -> str:
    # Issue 19: the lead case of a major incident, and the cases hung under one.
    return _("Major incident declared: %(title)s.") % {"title": label(data.get("title"))}


def _incident_attached(event: Event, data: Data) -> str:
    return _("Attached to the major incident %(title)s.") % {"title": label(data.get("title"))}


def _call_test_flagged(event: Event, data: Data) -> str:
    if data.get("is_test"):
        return _("Marked as a test call: left out of the regulator's figures and the surveys.")
    return _("No longer marked as a test call.")


SENTENCES: Mapping[str, Callable[[Event, Data], str]] = {
    "escalation.step": _escalation_step,
    "escalation.stopped": _escalation_stopped,
    "escalation.handover_refused": _escalation_handover_refused,
    "incident.declared": _incident_declared,
    "incident.attached": _incident_attached,
    "call.offered": _call_offered,
    "call.consult_started": _consult_started,
    "call.consult_ended": _consult_ended,
    "call.transferred": _transferred,
    "intervention.priority_raised": _priority_raised,
    "case.typed": _case_typed,
    "case.paused": _case_paused,
    "case.resumed": _case_resumed,
    "clock.breached": _clock_breached,
    "call.logged": _call_logged,
    "call.updated": _call_updated,
    "call.test_flagged": _call_test_flagged,
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
    **MESSAGE_SENTENCES,
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
