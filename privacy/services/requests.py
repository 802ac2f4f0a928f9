"""People's requests about their phone number's data: recorded, then answered (docs/privacy.md).

An access request is answered by marking every call of the number as exported (a
``personal.exported`` event on each, under the call's row lock) and keeping their ids: the
export (``privacy.exports``) is drawn from those calls whenever staff download it. An erasure
request is answered by ``dispatch.services.personal_erase`` on every call of the number and on
the interventions opened from them, except a case still open (an intervention opened from the
call and not closed or cancelled: its people may still need to call back) and what a legal hold
covers (``is_held``, the retention side's predicate); each kept call's history says why it was
kept. Either answer empties the request's number and token in the same transaction: they were
kept only to answer.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.choices import InterventionStatus, PersonalKind, Role
from dispatch.errors import TransitionNotAllowed
from dispatch.history import event_record
from dispatch.models import Call, Intervention
from dispatch.personal import caller_token
from dispatch.phone_numbers import phone_number_normalize
from dispatch.roles import has_role
from dispatch.services.personal_data import personal_erase
from feedback.services import survey_numbers_erase
from privacy.choices import RequestKind, RequestStatus
from privacy.models import PersonalRequest, PersonalRequestStep
from privacy.models.requests import IDENTITY_CHECK_MAX_LENGTH, REQUESTER_MAX_LENGTH

# A caller's data, in a call and in the interventions opened from it (dispatch.personal.PERSONAL_PATHS):
# the number (calls, callbacks) and the free-text notes. Positions and photos are the technicians'
# and the site's, not the caller's: retention takes them.
ERASED_KINDS = (PersonalKind.CALLER_NUMBER, PersonalKind.NOTE)
FINAL = (InterventionStatus.CLOSED, InterventionStatus.CANCELLED)
KEPT_OPEN_CASE = "open_case"
KEPT_LEGAL_HOLD = "legal_hold"

IsHeld = Callable[[Call | Intervention], bool]


def _staff(actor: Any) -> None:
    if not has_role(actor, Role.OPERATOR, Role.SUPERVISOR):
        raise PermissionDenied(_("Only operators and supervisors handle requests from people."))


def personal_request_record(
    *,
    actor: Any,
    kind: str,
    number: str,
    requester: str,
    identity_check: str,
    received_at: datetime | None = None,
) -> PersonalRequest:
    """Record a person's request about ``number`` (any written form; kept as E.164 and as the
    caller's token until answered)."""
    _staff(actor)
    errors: dict[str, str] = {}
    if kind not in RequestKind.values:
        errors["kind"] = _("Say whether the person asks for a copy or for erasure.")
    try:
        normalised = phone_number_normalize(number, field="number")
    except ValidationError as exc:
        errors["number"] = " ".join(exc.messages)
    else:
        if not normalised:
            errors["number"] = _("A withheld number has no calls to answer for.")
    requester, identity_check = requester.strip(), identity_check.strip()
    if not requester:
        errors["requester"] = _("Say who asked.")
    elif len(requester) > REQUESTER_MAX_LENGTH:
        errors["requester"] = _("At most %(n)s characters.") % {"n": REQUESTER_MAX_LENGTH}
    if not identity_check:
        errors["identity_check"] = _("Say how the person's identity was checked.")
    elif len(identity_check) > IDENTITY_CHECK_MAX_LENGTH:
        errors["identity_check"] = _("At most %(n)s characters.") % {"n": IDENTITY_CHECK_MAX_LENGTH}
    now = timezone.now()
    if received_at is not None and received_at > now:
        errors["received_at"] = _("A request cannot be received in the future.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        request = PersonalRequest(
            kind=kind, number=normalised, caller_token=caller_token(normalised), requester=requester,
            identity_check=identity_check, received_at=received_at or now, recorded_at=now, recorded_by=actor,
        )  # fmt: skip
        request.save(force_insert=True)
        PersonalRequestStep(request=request, status=RequestStatus.RECEIVED, at=now, actor=actor).save()
    return request


def _locked_received(request: PersonalRequest) -> PersonalRequest:
    locked = PersonalRequest.objects.select_for_update().get(pk=request.pk)
    if locked.status != RequestStatus.RECEIVED:
        raise TransitionNotAllowed(_("This request has been answered already."))
    return locked


def _answered(
    locked: PersonalRequest, *, actor: Any, outcome: dict[str, Any], now: datetime
) -> PersonalRequest:
    """The request answered: its outcome kept, its number and token gone, the step recorded."""
    locked.status = RequestStatus.ANSWERED
    locked.answered_at = now
    locked.outcome = outcome
    locked.number = ""
    locked.caller_token = ""
    locked.save(update_fields=["status", "answered_at", "outcome", "number", "caller_token"])
    PersonalRequestStep(
        request=locked, status=RequestStatus.ANSWERED, at=now, actor=actor, outcome=outcome
    ).save()
    return locked


def _calls_of(token: str) -> list[Call]:
    # By token: the calls whose number is already erased are the caller's too.
    return list(Call.objects.filter(caller_token=token).order_by("received_at", "pk"))


def personal_request_answer(*, actor: Any, request: PersonalRequest, is_held: IsHeld) -> PersonalRequest:
    """Answer ``request`` by its kind (see the module). 409 once answered."""
    if request.kind == RequestKind.ERASURE:
        return personal_request_erase(actor=actor, request=request, is_held=is_held)
    return personal_request_export(actor=actor, request=request)


def personal_request_export(*, actor: Any, request: PersonalRequest) -> PersonalRequest:
    """Answer an access request: each call of the number (and each intervention opened from
    one) gets a ``personal.exported`` event naming the request, under its row lock; the
    request keeps their ids, which the export is drawn from."""
    _staff(actor)
    if request.kind != RequestKind.ACCESS:
        raise TransitionNotAllowed(_("Only an access request is answered with an export."))
    now = timezone.now()
    with transaction.atomic():
        locked = _locked_received(request)
        because = f"request:{locked.pk}"
        calls, interventions = [], []
        for call in _calls_of(locked.caller_token):
            held = Call.objects.select_for_update().get(pk=call.pk)
            event_record(subject=held, kind="personal.exported", actor=actor, data={"because": because})
            calls.append(held.pk)
            for intervention in Intervention.objects.filter(call_id=held.pk).order_by("pk"):
                held_intervention = Intervention.objects.select_for_update().get(pk=intervention.pk)
                event_record(
                    subject=held_intervention,
                    kind="personal.exported",
                    actor=actor,
                    data={"because": because},
                )
                interventions.append(held_intervention.pk)
        outcome = {"calls": calls, "interventions": interventions}
        return _answered(locked, actor=actor, outcome=outcome, now=now)


def personal_request_erase(*, actor: Any, request: PersonalRequest, is_held: IsHeld) -> PersonalRequest:
    """Answer an erasure request (supervisors: it cannot be undone). ``is_held(subject)`` says
    whether a legal hold covers a call or an intervention; a call is kept whole when it or any
    intervention opened from it is held, or its case is still open. The outcome lists the calls
    erased (with their interventions and how many values went) and the calls kept, and why."""
    if not has_role(actor, Role.SUPERVISOR):
        raise PermissionDenied(_("Only supervisors erase a person's data."))
    if request.kind != RequestKind.ERASURE:
        raise TransitionNotAllowed(_("Only an erasure request is answered by erasing."))
    now = timezone.now()
    with transaction.atomic():
        locked = _locked_received(request)
        because = f"request:{locked.pk}"
        erased: list[dict[str, Any]] = []
        kept: list[dict[str, Any]] = []
        for call in _calls_of(locked.caller_token):
            interventions = list(Intervention.objects.filter(call_id=call.pk).order_by("pk"))
            reason = _kept_because(call, interventions, is_held)
            ids = [intervention.pk for intervention in interventions]
            if reason:
                # The call's own history says the request reached it and why it was kept.
                held = Call.objects.select_for_update().get(pk=call.pk)
                event_record(
                    subject=held, kind="personal.erasure_kept", actor=actor,
                    data={"because": because, "reason": reason},
                )  # fmt: skip
                kept.append({"call": call.pk, "interventions": ids, "reason": reason})
                continue
            values = personal_erase(subject=call, kinds=ERASED_KINDS, because=because, actor=actor, now=now)
            # The call's satisfaction survey holds the number too (issue 21): blanked with it.
            survey_numbers_erase(call_ids=[call.pk])
            for intervention in interventions:
                values += personal_erase(
                    subject=intervention, kinds=ERASED_KINDS, because=because, actor=actor, now=now
                )
            erased.append({"call": call.pk, "interventions": ids, "values": values})
        outcome = {"erased": erased, "kept": kept}
        return _answered(locked, actor=actor, outcome=outcome, now=now)


def _kept_because(call: Call, interventions: list[Intervention], is_held: IsHeld) -> str:
    if is_held(call) or any(is_held(intervention) for intervention in interventions):
        return KEPT_LEGAL_HOLD
    if any(intervention.status not in FINAL for intervention in interventions):
        return KEPT_OPEN_CASE
    return ""
