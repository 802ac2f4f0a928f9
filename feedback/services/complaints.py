"""Complaints (opened by an operator, handled by a supervisor), operators' opt-outs, and the
survey numbers an erasure blanks."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.choices import Role
from dispatch.errors import TransitionNotAllowed
from dispatch.history import event_record
from dispatch.models import Call
from dispatch.phone_numbers import phone_number_normalize
from dispatch.roles import has_role
from feedback.choices import ComplaintSource, ComplaintStatus, OptOutHow
from feedback.models import Complaint, SurveyOptOut, SurveyRequest

STAFF = (Role.OPERATOR, Role.SUPERVISOR)


def _staff(actor: Any) -> None:
    if not any(has_role(actor, role) for role in STAFF):
        raise PermissionDenied(_("Only operators and supervisors do this."))


def complaint_open(*, actor: Any, call: Call | None, text: str) -> Complaint:
    """An operator writes down a caller's complaint (about ``call``, if any); recorded in the
    call's history under its lock."""
    _staff(actor)
    if not text.strip():
        raise ValidationError({"text": _("Say what the caller complained about.")})
    with transaction.atomic():
        complaint = Complaint.objects.create(
            call=call, source=ComplaintSource.OPERATOR, text=text.strip()[:2000], opened_at=timezone.now()
        )
        if call is not None:
            locked = Call.objects.select_for_update(of=("self",)).get(pk=call.pk)
            event_record(
                subject=locked,
                kind="feedback.complaint_opened",
                actor=actor,
                data={"complaint": complaint.pk},
            )
    return complaint


def complaint_handle(*, actor: Any, complaint: Complaint, notes: str) -> Complaint:
    """A supervisor marks an open complaint handled, with what was done (required). Handled
    once: a second time is 409."""
    if not has_role(actor, Role.SUPERVISOR):
        raise PermissionDenied(_("Only supervisors handle complaints."))
    if not notes.strip():
        raise ValidationError({"notes": _("Say how the complaint was handled.")})
    with transaction.atomic():
        locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
        if locked.status != ComplaintStatus.OPEN:
            raise TransitionNotAllowed(_("This complaint was handled already."))
        locked.status = ComplaintStatus.HANDLED
        locked.handled_by = actor
        locked.handled_at = timezone.now()
        locked.handled_notes = notes.strip()[:2000]
        locked.save(update_fields=["status", "handled_by", "handled_at", "handled_notes"])
    return locked


def optout_set(*, actor: Any, number: str) -> SurveyOptOut:
    """An operator notes that this caller wants no surveys (asked on the phone)."""
    _staff(actor)
    normalised = phone_number_normalize(number, field="number")
    if not normalised:
        raise ValidationError({"number": _("A number is needed.")})
    optout, _created = SurveyOptOut.objects.get_or_create(
        number=normalised,
        defaults={"created_at": timezone.now(), "how": OptOutHow.OPERATOR, "created_by": actor},
    )
    return optout


def survey_numbers_erase(*, call_ids: list[int]) -> int:
    """Blank the caller's number on these calls' surveys (an erasure of the calls' personal
    data, ``privacy``); the score and reply stay. Returns the rows changed. Opt-outs are kept:
    they are the caller's own request to be left alone (docs/feedback.md)."""
    return SurveyRequest.objects.filter(call_id__in=call_ids).exclude(number="").update(number="")
