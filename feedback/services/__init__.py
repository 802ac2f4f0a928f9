"""Caller satisfaction's writes: the surveys (``surveys``), the replies (``replies``), the
complaints and opt-outs (``complaints``)."""

from .complaints import complaint_handle, complaint_open, optout_set, survey_numbers_erase
from .replies import survey_reply_apply
from .surveys import call_survey_eligible, survey_text, surveys_send_due

__all__ = [
    "call_survey_eligible",
    "complaint_handle",
    "complaint_open",
    "optout_set",
    "survey_numbers_erase",
    "survey_reply_apply",
    "survey_text",
    "surveys_send_due",
]
