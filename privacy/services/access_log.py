"""The access log: who read a person's data, when, what and why (docs/privacy.md, "Access log").

The core's pages and API views report each read through the ``AccessLog`` port
(``dispatch.ports.access_logged``); ``StoredAccessLog`` writes it here, one INSERT, with no
query of its own: the caller's token is taken from the rows the view already loaded. Only a
supervisor reads the log, by phone number, and that reading is logged too, with its reason.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.choices import Role
from dispatch.models import Call, Intervention, PlantDocument
from dispatch.personal import caller_token
from dispatch.phone_numbers import phone_number_normalize
from dispatch.roles import has_role
from privacy.choices import AccessKind
from privacy.models import AccessLogEntry, PersonalRequest
from privacy.models.requests import REASON_MAX_LENGTH


def access_record(
    *,
    user: Any,
    kind: str,
    call: Call | None = None,
    intervention: Intervention | None = None,
    document: PlantDocument | None = None,
    request: PersonalRequest | None = None,
    token: str = "",
    reason: str = "",
) -> AccessLogEntry:
    """Append one entry. The token is the caller's, from ``call`` or ``intervention.call`` when
    those are loaded already (a view's ``with_related`` rows): never a query to find it."""
    if not token:
        if call is not None:
            token = call.caller_token
        elif intervention is not None and intervention.call_id is not None:
            cached = intervention._state.fields_cache.get("call")
            token = cached.caller_token if cached is not None else ""
    authenticated = user is not None and user.is_authenticated
    entry = AccessLogEntry(
        at=timezone.now(),
        user=user if authenticated else None,
        user_label=user.get_username() if authenticated else "system",
        kind=kind,
        caller_token=token,
        call=call,
        intervention=intervention,
        document=document,
        request=request,
        reason=reason[:REASON_MAX_LENGTH],
    )
    entry.save(force_insert=True)
    return entry


class StoredAccessLog:
    """The core's ``AccessLog`` port (``dispatch.ports``), registered by ``PrivacyConfig.ready``."""

    def accessed(
        self,
        *,
        user: Any,
        kind: str,
        call: Call | None = None,
        intervention: Intervention | None = None,
        document: PlantDocument | None = None,
        reason: str = "",
    ) -> None:
        access_record(
            user=user, kind=kind, call=call, intervention=intervention, document=document, reason=reason
        )


def access_log_for_number(*, actor: Any, number: str, reason: str) -> QuerySet[AccessLogEntry]:
    """Who read the data of ``number``: every entry about its calls (by the caller's token, so
    calls whose number is already erased too), the interventions opened from them, their photos
    and the exports made for it. Supervisors only, with a reason; the lookup is logged itself."""
    if not has_role(actor, Role.SUPERVISOR):
        raise PermissionDenied(_("Only supervisors read the access log."))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why you look at who read this number's data.")})
    normalised = phone_number_normalize(number, field="number")
    if not normalised:
        raise ValidationError({"number": _("A withheld number has no calls to look up.")})
    token = caller_token(normalised)
    calls = Call.objects.filter(caller_token=token).values("pk")
    interventions = Intervention.objects.filter(call__caller_token=token).values("pk")
    entries = AccessLogEntry.objects.filter(
        Q(caller_token=token)
        | Q(call__in=calls)
        | Q(intervention__in=interventions)
        | Q(document__intervention__in=interventions)
    )
    access_record(user=actor, kind=AccessKind.NUMBER_LOOKUP, token=token, reason=reason)
    return entries.select_related("user").order_by("-at", "-id")
