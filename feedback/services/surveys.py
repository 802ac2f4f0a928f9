"""The survey SMS: which calls get one, written as outbox rows by a periodic sweep.

Why a sweep and not a port in the core: a survey goes a while after the call ended and its case
was closed (``PRONTO_SURVEY_DELAY_MINUTES``), never inside the closing transaction, and the
sweep sees calls without a case and calls closed while the worker was down alike; the core stays
unaware of surveys. The sweep is idempotent: a call has at most one ``SurveyRequest`` (unique),
and its outbox row's idempotency key is ``survey:<call>``.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import phonenumbers
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dispatch.choices import InterventionStatus
from dispatch.history import event_record
from dispatch.models import Call, Intervention
from dispatch.queue import task_enqueue_on_commit
from feedback.models import SurveyOptOut, SurveyRequest
from notifications.choices import Channel, NotificationReason, NotificationStatus
from notifications.models import Notification
from notifications.services.outbox import NOTIFICATION_SEND
from notifications.sms_text import sms_fit

logger = logging.getLogger(__name__)

FINISHED = (InterventionStatus.CLOSED, InterventionStatus.CANCELLED)
MOBILE_TYPES = frozenset(
    {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
)
BATCH = 200


def _is_mobile(number: str) -> bool:
    try:
        return phonenumbers.number_type(phonenumbers.parse(number, None)) in MOBILE_TYPES
    except phonenumbers.NumberParseException:
        return False


def survey_text(call: Call) -> str:
    """The SMS, in the centre's language (``LANGUAGE_CODE``: the caller has none on record),
    GSM-7 only, one SMS when the service's name is short: who asks, how to answer, how to stop."""
    service = call.plant.customer.name if call.plant is not None else settings.PRONTO_SURVEY_SERVICE_NAME
    with translation.override(settings.LANGUAGE_CODE):
        text = _(
            "%(service)s: how was our service on your call? Reply with a score from 1 (bad) to "
            "5 (excellent). Reply STOP to get no more surveys."
        ) % {"service": service}
    return sms_fit(text, max_parts=2)


def _candidates(now: datetime, after: int) -> list[Call]:
    delay = timedelta(minutes=settings.PRONTO_SURVEY_DELAY_MINUTES)
    oldest = now - timedelta(hours=settings.PRONTO_SURVEY_MAX_AGE_HOURS)
    unfinished = Intervention.objects.filter(call_id=OuterRef("pk")).exclude(status__in=FINISHED)
    calls = (
        Call.objects.filter(
            ended_at__isnull=False,
            ended_at__lte=now - delay,
            ended_at__gte=oldest,
            is_test=False,
            personal_erased_at__isnull=True,
            survey__isnull=True,
            pk__gt=after,
        )
        .exclude(caller_number="")
        .exclude(Exists(unfinished))
        .annotate(case_done=Max("interventions__closed_at"), case_dropped=Max("interventions__cancelled_at"))
        .filter(Q(case_done__isnull=True) | Q(case_done__lte=now - delay))
        .filter(Q(case_dropped__isnull=True) | Q(case_dropped__lte=now - delay))
        .select_related("plant__customer")
        .order_by("pk")
    )
    excluded = settings.PRONTO_SURVEY_CUSTOMERS_EXCLUDED
    if excluded:
        calls = calls.exclude(plant__customer__code__in=excluded)
    return list(calls[:BATCH])


def call_survey_eligible(call: Call, *, now: datetime) -> bool:
    """The per-number rules: a mobile number, not opted out, not surveyed within
    ``PRONTO_SURVEY_MIN_DAYS``."""
    number = call.caller_number
    if not number or not _is_mobile(number) or SurveyOptOut.objects.filter(number=number).exists():
        return False
    since = now - timedelta(days=settings.PRONTO_SURVEY_MIN_DAYS)
    return not SurveyRequest.objects.filter(number=number, sent_at__gte=since).exists()


def _survey_write(call_id: int, now: datetime) -> SurveyRequest | None:
    with transaction.atomic():
        # The call's lock orders this with another sweep and with an erasure of the call.
        call = Call.objects.select_for_update(of=("self",)).select_related("plant__customer").get(pk=call_id)
        if SurveyRequest.objects.filter(call_id=call.pk).exists() or call.personal_erased_at is not None:
            return None
        if not call_survey_eligible(call, now=now):
            return None
        row = Notification.objects.create(
            reason=NotificationReason.SURVEY,
            channel=Channel.SMS,
            recipient=call.caller_number,
            body=survey_text(call),
            idempotency_key=f"survey:{call.pk}",
            status=NotificationStatus.PENDING,
            next_attempt_at=now,
            created_at=now,
        )
        survey = SurveyRequest.objects.create(
            call=call,
            number=call.caller_number,
            notification=row,
            sent_at=now,
            expires_at=now + timedelta(hours=settings.PRONTO_SURVEY_VALID_HOURS),
        )
        event_record(subject=call, kind="feedback.survey_sent", actor=None, data={"notification": row.pk})
        task_enqueue_on_commit(NOTIFICATION_SEND, row.pk)
    return survey


def surveys_send_due(*, now: datetime | None = None) -> int:
    """Write the survey SMS of every call now due one (module docstring): ended at least
    ``PRONTO_SURVEY_DELAY_MINUTES`` ago and within ``PRONTO_SURVEY_MAX_AGE_HOURS``, its case (if
    any) closed or cancelled that long ago, not a test call, its customer not excluded, the number
    a mobile, not opted out and not surveyed within ``PRONTO_SURVEY_MIN_DAYS``. One short
    transaction per call; delivery queued after each commit. Returns how many were written."""
    if not settings.PRONTO_SURVEY_ENABLED:
        return 0
    now = now or timezone.now()
    written, after = 0, 0
    # In batches by id: calls that never qualify (a landline) cannot hide the later ones.
    while batch := _candidates(now, after):
        after = batch[-1].pk
        for call in batch:
            if call_survey_eligible(call, now=now) and _survey_write(call.pk, now) is not None:
                written += 1
    if written:
        logger.info("%s caller surveys written", written)
    return written
