"""A caller's reply to the survey, from Kannel's inbound door (``notifications.ports``): a score
is stored on the call's survey (a low one opens a complaint), "STOP" stops the surveys, anything
else is kept raw and answered once with how to reply."""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dispatch.history import event_record
from dispatch.models import Call
from feedback.choices import ComplaintSource, OptOutHow
from feedback.models import Complaint, SurveyOptOut, SurveyRequest
from feedback.parsing import reply_read

logger = logging.getLogger(__name__)
REPLY_MAX = 320


def _stop(number: str, survey: SurveyRequest | None, text: str, now: datetime) -> str:
    how = OptOutHow.REPLY_STOP if "stop" in text.lower() else OptOutHow.REPLY_NO
    SurveyOptOut.objects.get_or_create(number=number, defaults={"created_at": now, "how": how})
    if survey is not None and survey.answered_at is None and not survey.reply_text:
        survey.reply_text = text[:REPLY_MAX]
        survey.save(update_fields=["reply_text"])
    return _("You will get no more surveys from us.")


def survey_reply_apply(*, number: str, text: str, now: datetime | None = None) -> str | None:
    """Apply ``text`` from ``number`` to that number's latest survey still taking replies.

    Returns the answer to text back, or ``None`` when the number has no survey (the reply is not
    ours: the next handler, or "not understood", answers). "STOP" is honoured from any number
    ever surveyed, even after its survey expired. A survey keeps its first score; later replies
    are thanked and ignored. Locks the call, then the survey (the order of ``_survey_write``).
    Answers in the centre's language, as the survey was written."""
    if not number:
        return None
    with translation.override(settings.LANGUAGE_CODE):
        return _apply(number, text, now or timezone.now())


def _apply(number: str, text: str, now: datetime) -> str | None:
    reply = reply_read(text)
    with transaction.atomic():
        latest = (
            SurveyRequest.objects.filter(number=number, expires_at__gt=now)
            .order_by("-sent_at", "-pk")
            .first()
        )
        if reply.stop:
            if latest is None and not SurveyRequest.objects.filter(number=number).exists():
                return None
            return _stop(number, latest, text, now)
        if latest is None:
            return None
        call = Call.objects.select_for_update(of=("self",)).get(pk=latest.call_id)
        survey = SurveyRequest.objects.select_for_update().get(pk=latest.pk)
        if survey.score is not None:
            return _("Thank you: we already have your score.")
        if reply.score is None:
            first = survey.reminded_at is None
            survey.reply_text = text[:REPLY_MAX]
            survey.reminded_at = survey.reminded_at or now
            survey.save(update_fields=["reply_text", "reminded_at"])
            # Asked once: a second unreadable reply is kept and not answered (Kannel sends nothing).
            return _("Please reply with one digit from 1 to 5, or STOP.") if first else ""
        survey.score, survey.answered_at, survey.reply_text = reply.score, now, text[:REPLY_MAX]
        survey.save(update_fields=["score", "answered_at", "reply_text"])
        event_record(subject=call, kind="feedback.survey_answered", actor=None, data={"score": reply.score})
        if reply.score <= settings.PRONTO_SURVEY_COMPLAINT_MAX_SCORE:
            complaint = Complaint.objects.create(
                call=call,
                survey=survey,
                source=ComplaintSource.SURVEY,
                score=reply.score,
                text=text[:REPLY_MAX],
                opened_at=now,
            )
            event_record(
                subject=call,
                kind="feedback.complaint_opened",
                actor=None,
                data={"complaint": complaint.pk, "score": reply.score},
            )
            logger.info("Complaint %s opened by a survey score of %s", complaint.pk, reply.score)
    return _("Thank you for your score: %(score)s/5.") % {"score": reply.score}
