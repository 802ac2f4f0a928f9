"""The sentences of the messages about a case (``dispatch.timeline``): the outbox's
notifications, their delivery and replies, the messages operators write, and what comes back in
(faxes filed, email replies). Split from ``sentences`` to keep each module readable."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dispatch.models import Event

from .values import (
    EMPTY,
    Data,
    channel_label,
    label,
    notification_parts,
    person_label,
    readable,
    time_of_day,
    with_text,
)


def _queued(event: Event, data: Data) -> str:
    rows = data.get("notifications")
    rows = rows if isinstance(rows, list) else []
    parts = [
        _("%(channel)s to %(recipient)s") % notification_parts(row if isinstance(row, dict) else {})
        for row in rows
    ]
    return _("Notification queued: %(list)s.") % {"list": ", ".join(parts) or EMPTY}


def _written(event: Event, data: Data) -> str:
    """An SMS or email an operator wrote (issue 20); the text when the reader may read it."""
    rows = data.get("notifications")
    row = rows[0] if isinstance(rows, list) and rows and isinstance(rows[0], dict) else {}
    sentence = _("Message written: %(channel)s to %(recipient)s") % notification_parts(row)
    return with_text(sentence, data.get("text"))


def _sent(event: Event, data: Data) -> str:
    return _("%(channel)s to %(recipient)s sent at %(time)s (attempt %(attempt)s).") % {
        **notification_parts(data),
        "time": time_of_day(None, event.occurred_at),
        "attempt": label(data.get("attempt")),
    }


def _retry(event: Event, data: Data) -> str:
    return _("%(channel)s to %(recipient)s not sent (attempt %(attempt)s); next attempt %(next)s.") % {
        **notification_parts(data),
        "attempt": label(data.get("attempt")),
        "next": label(data.get("next_attempt_at")),
    }


def _failed(event: Event, data: Data) -> str:
    sentence = _("%(channel)s to %(recipient)s failed at %(time)s") % {
        **notification_parts(data),
        "time": time_of_day(None, event.occurred_at),
    }
    return with_text(sentence, data.get("detail"))


def _delivered(event: Event, data: Data) -> str:
    return _("%(channel)s to %(recipient)s delivered at %(time)s.") % {
        **notification_parts(data),
        "time": time_of_day(None, event.occurred_at),
    }


def _report(event: Event, data: Data) -> str:
    return with_text(
        _("Gateway report on %(channel)s to %(recipient)s") % notification_parts(data), data.get("detail")
    )


def _recovered(event: Event, data: Data) -> str:
    sentence = _("%(channel)s to %(recipient)s taken back after a stalled send") % notification_parts(data)
    return with_text(sentence, data.get("detail"))


def _no_channel(event: Event, data: Data) -> str:
    return _("No way to notify %(technician)s: no active contact point.") % {
        "technician": person_label(data, "technician")
    }


def _ack_overdue(event: Event, data: Data) -> str:
    return _("Not acknowledged yet (round %(round)s); reminded by %(channel)s.") % {
        "round": label(data.get("round")),
        "channel": channel_label(data),
    }


def _supervisor_warned(event: Event, data: Data) -> str:
    count = data.get("supervisors")
    number = count if isinstance(count, int) else 0
    sentence = ngettext("%(count)s supervisor warned", "%(count)s supervisors warned", number) % {
        "count": label(count)
    }
    return with_text(sentence, data.get("why"))


def _reply(event: Event, data: Data) -> str:
    text = data.get("text")
    if not readable(text):
        return _("A reply came from the technician.")
    return _("Reply from %(sender)s: %(text)s") % {"sender": label(data.get("from")), "text": text}


def _fax_filed(event: Event, data: Data) -> str:
    values = {"sender": label(data.get("from")), "pages": label(data.get("pages"))}
    return _("Fax received from %(sender)s filed here (%(pages)s pages).") % values


def _email_reply(event: Event, data: Data) -> str:
    if not readable(text := data.get("text")):
        return _("An email reply came from the technician.")
    return _("Email reply from %(sender)s: %(text)s") % {"sender": label(data.get("from")), "text": text}


def _survey_sent(event: Event, data: Data) -> str:
    return _("Satisfaction survey texted to the caller.")


def _survey_answered(event: Event, data: Data) -> str:
    return _("The caller scored the service %(score)s out of 5.") % {"score": label(data.get("score"))}


def _complaint_opened(event: Event, data: Data) -> str:
    if data.get("score") is not None:
        return _("Complaint #%(id)s opened by a survey score of %(score)s.") % {
            "id": label(data.get("complaint")),
            "score": label(data.get("score")),
        }
    return _("Complaint #%(id)s opened.") % {"id": label(data.get("complaint"))}


def _recording_received(event: Event, data: Data) -> str:
    values = {"format": label(data.get("format")), "sha256": label(data.get("sha256"))}
    return _("Recording received (%(format)s), SHA-256 %(sha256)s.") % values


def _recording_fetch_failed(event: Event, data: Data) -> str:
    return with_text(_("The recording could not be fetched from the phone system"), data.get("why"))


def _recording_listened(event: Event, data: Data) -> str:
    return _("Recording listened to.")


def _recording_deleted(event: Event, data: Data) -> str:
    values = {"sha256": label(data.get("sha256")), "days": label(data.get("days"))}
    return _("Recording audio deleted after its retention of %(days)s days (SHA-256 %(sha256)s).") % values


MESSAGE_SENTENCES: Mapping[str, Callable[[Event, Data], str]] = {
    "notification.queued": _queued,
    "notification.written": _written,
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
    "inbound.fax_filed": _fax_filed,
    "inbound.reply": _email_reply,
    "feedback.survey_sent": _survey_sent,
    "feedback.survey_answered": _survey_answered,
    "feedback.complaint_opened": _complaint_opened,
    "recording.received": _recording_received,
    "recording.fetch_failed": _recording_fetch_failed,
    "recording.listened": _recording_listened,
    "recording.deleted": _recording_deleted,
}
