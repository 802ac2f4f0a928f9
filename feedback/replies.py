"""``feedback``'s side of ``notifications.ports``: survey replies from Kannel's inbound door."""

from __future__ import annotations

from .services import survey_reply_apply


class SurveyReplies:
    """An SMS from a number with a survey is its reply; any other SMS is not ours (``None``)."""

    def sms_received(self, *, number: str, text: str) -> str | None:
        return survey_reply_apply(number=number, text=text)
