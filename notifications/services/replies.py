"""Replies by SMS: a technician acknowledges an assignment by texting "OK <id>" back (or just
"OK" with one assignment waiting); the answer is texted back, and unknown senders learn nothing.
"""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from dispatch.choices import InterventionStatus, Role
from dispatch.inputs import id_parse
from dispatch.models import Intervention
from dispatch.phone_numbers import phone_number_normalize
from dispatch.roles import has_role

# dispatch.services imports notifications.services inside its functions, never at import time: no cycle.
from dispatch.services import intervention_acknowledge
from notifications.choices import Channel
from notifications.ports import inbound_sms_offer

from .outbox import _record

logger = logging.getLogger(__name__)

# The words that acknowledge, first in a reply by SMS or by email.
ACKNOWLEDGING_WORDS = ("OK", "SI", "SÌ", "YES")


def reply_parse(text: str) -> tuple[bool, int | None]:
    """What a technician's reply says: whether it acknowledges ("OK", "sì", "yes" first) and
    the intervention number after the word, if any ("OK 123", "OK #123"). Shared by the SMS
    replies here and the email replies of the ``inbound`` app, so both read a reply alike."""
    words = (text or "").strip().upper().replace("#", " ").split()
    if not words or words[0].rstrip(".,!:;") not in ACKNOWLEDGING_WORDS:
        return False, None
    return True, id_parse(words[1]) if len(words) > 1 else None


def sms_reply_apply(*, sender: str, text: str) -> str:
    """A technician's reply: "OK <id>" (or "OK" with one assignment waiting) acknowledges the
    intervention. Anything else is offered to the handlers registered in ``notifications.ports``
    (a caller's survey answer). Returns the answer texted back; unknown senders learn nothing."""
    try:
        number = phone_number_normalize(sender, field=None)
    except ValidationError:
        number = ""
    users = (
        get_user_model()
        .objects.filter(
            is_active=True,
            contact_points__channel=Channel.SMS,
            contact_points__address=number,
            contact_points__active=True,
        )
        .distinct()
    )
    technicians = [user for user in users if has_role(user, Role.TECHNICIAN)]
    acknowledges, pk = reply_parse(text)
    if len(technicians) != 1 or not acknowledges:
        # Not a technician's acknowledgement: maybe a caller answering a survey (notifications.ports).
        offered = inbound_sms_offer(number=number, text=text)
        if offered is not None:
            return offered
        logger.info("SMS reply from %s not understood", number)
        return _("Not understood. Reply OK followed by the intervention number.")
    technician = technicians[0]
    waiting = Intervention.objects.filter(technician=technician, status=InterventionStatus.ASSIGNED)
    if pk is not None:
        waiting = waiting.filter(pk=pk)
    chosen = list(waiting[:2])
    if len(chosen) != 1:
        return _("Which intervention? Reply OK followed by its number.")
    intervention = intervention_acknowledge(actor=technician, intervention=chosen[0])
    with transaction.atomic():
        _record(intervention.pk, "notification.reply", {"from": number, "text": text[:160]})
    return _("Intervention #%(id)s acknowledged.") % {"id": intervention.pk}
