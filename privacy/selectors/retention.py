"""Reads for retention: the policy in force per kind and customer, and legal holds.

``personal_data_held`` is what any erasure (retention here, a person's request elsewhere) asks
before it erases a subject's data; ``held_call_ids`` / ``held_intervention_ids`` ask it of a
batch in two queries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from dispatch.choices import PersonalKind
from dispatch.models import Call, Intervention
from privacy.models import LegalHold, RetentionPolicy, RetentionRun


def retention_default_days() -> dict[str, int]:
    """Days kept per kind when no policy row says otherwise (``PRONTO_RETENTION_DAYS``)."""
    configured: Mapping[str, int] = settings.PRONTO_RETENTION_DAYS
    return {kind: int(configured[kind]) for kind in PersonalKind.values}


def retention_days_by_kind() -> dict[str, tuple[int, dict[int, int]]]:
    """Per kind: the default days (the policy with no customer, else the setting) and the days of
    each customer that has a policy of its own."""
    result: dict[str, tuple[int, dict[int, int]]] = {
        kind: (days, {}) for kind, days in retention_default_days().items()
    }
    overrides: dict[str, dict[int, int]] = {kind: {} for kind in PersonalKind.values}
    for kind, customer_id, days in RetentionPolicy.objects.values_list("kind", "customer_id", "days"):
        if customer_id is None:
            result[kind] = (days, overrides[kind])
        else:
            overrides[kind][customer_id] = days
    return {kind: (default, overrides[kind]) for kind, (default, _unused) in result.items()}


def legal_holds_active(*, now: dt.datetime | None = None) -> QuerySet[LegalHold]:
    """Holds in force at ``now``: not released, and ``until`` (a local day) not past."""
    today = timezone.localdate(now or timezone.now())
    return LegalHold.objects.filter(released_at__isnull=True, until__gte=today)


def held_call_ids(call_ids: Collection[int], *, now: dt.datetime | None = None) -> set[int]:
    """Of ``call_ids``, the calls under an active hold: on the call, on one of its interventions,
    or on its caller's token."""
    if not call_ids:
        return set()
    holds = legal_holds_active(now=now)
    tokens = holds.exclude(caller_token="").values("caller_token")
    held = Call.objects.filter(pk__in=call_ids).filter(
        Q(pk__in=holds.filter(call__isnull=False).values("call_id"))
        | Q(pk__in=Intervention.objects.filter(pk__in=holds.values("intervention_id")).values("call_id"))
        | Q(caller_token__in=tokens, caller_token__gt="")
    )
    return set(held.values_list("pk", flat=True))


def held_intervention_ids(intervention_ids: Collection[int], *, now: dt.datetime | None = None) -> set[int]:
    """Of ``intervention_ids``, those under an active hold: on the intervention, on its call, or
    on its call's caller token."""
    if not intervention_ids:
        return set()
    holds = legal_holds_active(now=now)
    held_calls = Call.objects.filter(
        Q(pk__in=holds.filter(call__isnull=False).values("call_id"))
        | Q(caller_token__in=holds.exclude(caller_token="").values("caller_token"), caller_token__gt="")
    )
    held = Intervention.objects.filter(pk__in=intervention_ids).filter(
        Q(pk__in=holds.filter(intervention__isnull=False).values("intervention_id"))
        | Q(call_id__in=held_calls.values("pk"))
    )
    return set(held.values_list("pk", flat=True))


def personal_data_held(subject: Call | Intervention, *, now: dt.datetime | None = None) -> bool:
    """Whether a legal hold stops erasing ``subject``'s personal data now (retention and
    requests alike). A hold on a call covers its interventions and the other way round; a hold
    on a caller covers every call of that caller's token and their interventions."""
    if isinstance(subject, Call):
        return subject.pk in held_call_ids([subject.pk], now=now)
    return subject.pk in held_intervention_ids([subject.pk], now=now)


def caller_held(token: str, *, now: dt.datetime | None = None) -> bool:
    """Whether a caller-wide hold is in force for the caller of ``token``."""
    return bool(token) and legal_holds_active(now=now).filter(caller_token=token).exists()


def retention_runs_last(*, limit: int = 10) -> QuerySet[RetentionRun]:
    return RetentionRun.objects.order_by("-started_at", "-id")[:limit]
