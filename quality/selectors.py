"""The quality app's reads: a call's recordings, who may hear them, the inspector's call search."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Count, QuerySet

from dispatch.access import found_or_404, restrict
from dispatch.choices import Role
from dispatch.models import Call
from dispatch.phone_numbers import phone_number_normalize
from dispatch.roles import has_role
from quality.models import CallRecording

# The inspector's search shows at most this many calls: a time window and a number find one.
SEARCH_LIMIT = 50


def recording_listen_allowed(*, user: Any) -> bool:
    """Whether ``user`` may hear recordings: the roles of ``PRONTO_RECORDING_LISTEN_ROLES``."""
    return has_role(user, *settings.PRONTO_RECORDING_LISTEN_ROLES)


def evidence_allowed(*, user: Any) -> bool:
    """The evidence pack (recordings included) is the supervisors'."""
    return has_role(user, Role.SUPERVISOR)


def recording_list_for_call(*, call: Call, user: Any) -> QuerySet[CallRecording]:
    """``call``'s recordings (``call`` already found for ``user``), oldest first, with their
    listens counted."""
    return (
        restrict(CallRecording.objects.filter(call=call), user)
        .annotate(listen_count=Count("listens"))
        .order_by("received_at", "pk")
    )


def recording_get_for_user(*, user: Any, pk: Any) -> CallRecording:
    """One recording of a call ``user`` may see, or 404."""
    calls = restrict(Call.objects.all(), user)
    return found_or_404(restrict(CallRecording.objects.filter(call__in=calls), user), pk)


def evidence_call_search(*, user: Any, start: datetime, end: datetime, number: str = "") -> QuerySet[Call]:
    """Calls received in ``[start, end]`` from ``number`` (any form: it is normalised; empty: any
    number), newest first, at most ``SEARCH_LIMIT``. Raises ``ValidationError`` for a number
    that is not one."""
    calls = restrict(Call.objects.all(), user).filter(received_at__gte=start, received_at__lte=end)
    if number.strip():
        calls = calls.filter(caller_number=phone_number_normalize(number, field="number"))
    return calls.select_related("plant", "plant__customer").order_by("-received_at", "-pk")[:SEARCH_LIMIT]
