"""What each role reads of the history: the one policy, per event kind and per key.

The history is written for the call centre: who was notified on which number, the notes
operators and technicians leave, gateway answers. Operators, supervisors and technicians (the
call centre's people in the field) read every event whole. A utility user reads its own
interventions' and calls' history to know *what happened and when*: each event's kind, time and
actor, and of its data only the keys ``UTILITY_READS`` names for that kind. Everything else is
shown as withheld, so that a key a service starts writing tomorrow reaches no utility user until
someone decides here that it should. What is not said (staff contact addresses: recipients,
SMS senders, gateway details that quote them; the internal notes; the telecontrol address) is
the point of this table.

The stored rows are never changed (they are hash-chained); ``dispatch.access.history_for_user``
hands every page, API answer and export copies filtered through ``event_data_for``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .choices import STAFF_ROLES, Role

WITHHELD = "(withheld)"
# Readers of every event whole.
FULL_READERS = STAFF_ROLES | {Role.TECHNICIAN}
# A path that names everything below it.
EVERYTHING = "*"

# An intervention's before/after: the fields its page and API already show a utility user.
_STATE = frozenset({"before", "after"})
# A notification as the history summarises it: the channel and why, not to whom.
_NOTIFICATION = frozenset({"notification", "channel", "reason"})
_DELIVERY = _NOTIFICATION | {"attempt", "outcome", "next_attempt_at"}
_CALLBACK = frozenset({"callback", "due_at", "status"})

# Per event kind, the data a utility user reads: dotted paths into the data (``a.b`` is key
# ``b`` inside ``a``; through a list, in each item); a path names its whole subtree.
UTILITY_READS: Mapping[str, frozenset[str]] = {
    # Calls: the call as its page shows the utility (caller, times, type, what was said).
    "call.logged": frozenset({"after", "plant_status"}),
    "call.updated": _STATE | {"plant_status"},
    "call.answered": _STATE | {"plant_status"},
    "call.ended": _STATE | {"plant_status"},
    "call.script_answer": frozenset(
        {"script", "version", "question", "answer", "suggested_call_type", "suggested_priority"}
    ),
    # Callbacks: that one was due and when; not the number, the operator's note or outcome.
    "callback.scheduled": _CALLBACK,
    "callback.due": _CALLBACK,
    "callback.completed": _CALLBACK,
    "callback.cancelled": _CALLBACK,
    # Interventions: every transition with its times and reasons.
    "intervention.opened": frozenset({"after"}),
    "intervention.assign": _STATE,
    "intervention.acknowledge": _STATE,
    "intervention.arrive": _STATE,
    "intervention.complete": _STATE,
    "intervention.close": _STATE,
    "intervention.cancel": _STATE,
    # That personal data was erased, of which kinds, how much and why (retention, a request).
    "personal.erased": frozenset({"kinds", "values", "because"}),
    "history.resealed": frozenset({"former_head", "resealed", "reason"}),
    "intervention.close_override": frozenset({"override_reason", "faults", "plant_status"}),
    # Internal notes: that one was written, not what it says.
    "intervention.note": frozenset(),
    "intervention.phone_step": frozenset(
        {"action", "phone_time", "received_at", "applied_at", "flag", "outcome", "photo", "photo_sha256"}
    ),
    # Notifications: which channel, why, how it went; never the recipient, the gateway's words
    # (they quote addresses) or a technician's reply.
    "notification.queued": frozenset(f"notifications.{key}" for key in _NOTIFICATION),
    # A message an operator wrote (issue 20): that one went, not to whom nor what it says.
    "notification.written": frozenset(f"notifications.{key}" for key in _NOTIFICATION),
    "notification.sent": _DELIVERY,
    "notification.retry": _DELIVERY,
    "notification.failed": _DELIVERY,
    "notification.delivered": _DELIVERY,
    "notification.report": _NOTIFICATION,
    "notification.recovered": _NOTIFICATION,
    "notification.no_channel": frozenset({"technician"}),
    "notification.ack_overdue": frozenset({"round", "assigned_at", "channel"}),
    "notification.supervisor_warned": frozenset({"why", "supervisors"}),
    "notification.reply": frozenset(),
    # Issue 20: a fax received and filed (the utility sees no faxes), a technician's email reply.
    "inbound.fax_filed": frozenset(),
    "inbound.reply": frozenset({"acknowledged"}),
    # Issue 21: the caller's survey; the utility sees that it went and the score, not the number.
    "feedback.survey_sent": frozenset(),
    "feedback.survey_answered": frozenset({"score"}),
    "feedback.complaint_opened": frozenset({"score"}),
    # Issue 21: a call's recording (calls are staff-only today; a utility user would read that
    # one existed and was deleted, never who listened or where it was fetched from).
    "recording.received": frozenset({"format", "sha256", "bytes", "duration_seconds"}),
    "recording.fetch_failed": frozenset(),
    "recording.listened": frozenset(),
    "recording.deleted": frozenset({"sha256", "reason", "days"}),
    # Telecontrol: the utility's own plant's alarms and readings; not the error text, which
    # names the controller's address.
    # Major incidents: which one the case belongs to, by its title (the public message's peer).
    "incident.declared": frozenset({"incident", "title"}),
    "incident.attached": frozenset({"incident", "title"}),
    "telecontrol.alarm_raised": frozenset({EVERYTHING}),
    "telecontrol.alarm_cleared": frozenset({EVERYTHING}),
    "telecontrol.check": frozenset(
        {
            "plant",
            "source",
            "outcome",
            "reachable",
            "active",
            "anomaly",
            "out_of_service",
            "alarm_code",
            "measurements",
            "checked_at",
            "observed_at",
            "data_age_seconds",
            "stale",
            "duration_ms",
            "check_id",
        }
    ),  # fmt: skip
}


def event_data_for(roles: frozenset[str], kind: str, data: Any) -> Any:
    """An event's ``data`` as a reader with ``roles`` may read it (see the module)."""
    if roles & FULL_READERS:
        return data
    if Role.UTILITY not in roles:
        return _filtered(data, frozenset(), "")
    return _filtered(data, UTILITY_READS.get(kind, frozenset()), "")


def _filtered(value: Any, allowed: frozenset[str], prefix: str) -> Any:
    if EVERYTHING in allowed:
        return value
    if isinstance(value, list):
        return [_filtered(item, allowed, prefix) for item in value]
    if not isinstance(value, dict):
        return WITHHELD
    shown: dict[str, Any] = {}
    for key, item in value.items():
        path = f"{prefix}{key}"
        if path in allowed:
            shown[key] = item
        elif any(name.startswith(f"{path}.") for name in allowed):
            shown[key] = _filtered(item, allowed, f"{path}.")
        else:
            shown[key] = WITHHELD
    return shown
