"""Retention policies, legal holds and the retention job (docs/privacy.md, "Retention and legal
holds"). The job decides what has expired; ``dispatch.services.personal_erase`` erases it, subject
by subject, in batches that each commit on their own so that no call's row stays locked for
longer than a fraction of a second."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.choices import PersonalKind, Role
from dispatch.history import event_record
from dispatch.models import Call, Customer, Intervention, PersonalDatum
from dispatch.personal import caller_token
from dispatch.phone_numbers import phone_number_normalize
from dispatch.roles import has_role
from dispatch.services import personal_erase_locked, technician_positions_clear
from feedback.services import survey_numbers_erase
from privacy.models import LegalHold, RetentionLogEntry, RetentionPolicy, RetentionRun
from privacy.selectors.retention import (
    held_call_ids,
    held_intervention_ids,
    retention_days_by_kind,
)

logger = logging.getLogger(__name__)

REASON_MAX_LENGTH = 1000
DAYS_MAX = 36_500


def _supervisor_required(actor: User, message: str) -> None:
    if not has_role(actor, Role.SUPERVISOR):
        raise PermissionDenied(message)


# ----------------------------------------------------------------------------------------------
# Policies


def retention_policy_set(
    *, actor: User, kind: str, days: int, customer: Customer | None = None
) -> RetentionPolicy:
    """Set how long ``kind`` is kept for ``customer`` (or, with none, for every customer without
    a policy of its own). Supervisors only; the change is in the retention log."""
    _supervisor_required(actor, _("Only supervisors set retention policies."))
    if kind not in PersonalKind.values:
        raise ValidationError({"kind": _("Not a kind of personal data.")})
    if not 1 <= days <= DAYS_MAX:
        raise ValidationError({"days": _("Between 1 and %(max)s days.") % {"max": DAYS_MAX}})
    now = timezone.now()
    with transaction.atomic():
        # No ordering: the model's joins the customer, which FOR UPDATE cannot take.
        policy = (
            RetentionPolicy.objects.select_for_update()
            .filter(kind=kind, customer=customer)
            .order_by()
            .first()
        )
        before = policy.days if policy else None
        if policy is None:
            policy = RetentionPolicy(kind=kind, customer=customer)
        policy.days, policy.changed_by, policy.changed_at = days, actor, now
        policy.save()
        RetentionLogEntry.objects.create(
            kind="policy.set", actor=actor, at=now,
            data={"kind": kind, "customer": customer.code if customer else None, "before": before,
                  "days": days},
        )  # fmt: skip
    return policy


# ----------------------------------------------------------------------------------------------
# Legal holds


def legal_hold_set(
    *,
    actor: User,
    reason: str,
    until: dt.date,
    call: Call | None = None,
    intervention: Intervention | None = None,
    caller_number: str = "",
) -> LegalHold:
    """Hold one call, one intervention, or every call of a caller (kept as the caller's token,
    never the number) until the end of ``until``: retention and erasure requests skip it.
    Supervisors only. A call's or intervention's hold is an event in its history, recorded
    under its row lock; every hold is in the retention log."""
    _supervisor_required(actor, _("Only supervisors set legal holds."))
    reason = (reason or "").strip()
    errors: dict[str, str] = {}
    if not reason:
        errors["reason"] = _("Say why the data must be kept.")
    elif len(reason) > REASON_MAX_LENGTH:
        errors["reason"] = _("At most %(max)s characters.") % {"max": REASON_MAX_LENGTH}
    if until < timezone.localdate():
        errors["until"] = _("The end date has passed.")
    number = phone_number_normalize(caller_number, field="caller_number") if caller_number else ""
    if sum(1 for held in (call, intervention, number) if held) != 1:
        errors["subject"] = _("Hold exactly one call, one intervention or one caller's number.")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic():
        subject: Call | Intervention | None = None
        if call is not None:
            subject = Call.objects.select_for_update().get(pk=call.pk)
        elif intervention is not None:
            subject = Intervention.objects.select_for_update().get(pk=intervention.pk)
        hold = LegalHold.objects.create(
            call=subject if isinstance(subject, Call) else None,
            intervention=subject if isinstance(subject, Intervention) else None,
            caller_token=caller_token(number), reason=reason, until=until, set_by=actor, set_at=now,
        )  # fmt: skip
        # The reason stays out of the chained event: free text may name people, and the chain
        # can never forget what it holds. The hold's row and the log keep it.
        data = {"hold": hold.pk, "until": until.isoformat()}
        if subject is not None:
            event_record(subject=subject, kind="privacy.hold_set", actor=actor, data=data)
        RetentionLogEntry.objects.create(
            kind="hold.set", hold=hold, actor=actor, at=now,
            data={**data, "subject": hold.subject_label, "reason": reason},
        )  # fmt: skip
    return hold


def legal_hold_release(*, actor: User, hold: LegalHold) -> LegalHold:
    """End a hold before its date. Supervisors only; idempotent (a released hold stays as it was)."""
    _supervisor_required(actor, _("Only supervisors release legal holds."))
    now = timezone.now()
    with transaction.atomic():
        subject: Call | Intervention | None = None
        if hold.call_id:
            subject = Call.objects.select_for_update().get(pk=hold.call_id)
        elif hold.intervention_id:
            subject = Intervention.objects.select_for_update().get(pk=hold.intervention_id)
        locked = LegalHold.objects.select_for_update().get(pk=hold.pk)
        if locked.released_at is not None:
            return locked
        locked.released_at, locked.released_by = now, actor
        locked.save(update_fields=["released_at", "released_by"])
        data = {"hold": locked.pk}
        if subject is not None:
            event_record(subject=subject, kind="privacy.hold_released", actor=actor, data=data)
        RetentionLogEntry.objects.create(
            kind="hold.released",
            hold=locked,
            actor=actor,
            at=now,
            data={**data, "subject": locked.subject_label},
        )
    return locked


# ----------------------------------------------------------------------------------------------
# The retention job


@dataclass
class _Tally:
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    batches: int = 0
    longest: float = 0.0

    def add(self, kind: str, what: str, n: int) -> None:
        kind_counts = self.counts.setdefault(kind, {"erased": 0, "skipped_open": 0, "skipped_held": 0})
        kind_counts[what] = kind_counts.get(what, 0) + n


@dataclass(frozen=True)
class _Stream:
    """Calls or interventions: how their personal rows, customer, openness and holds are found."""

    fk: str
    model: type[Call] | type[Intervention]
    open_filter: Callable[[], Q]
    held: Callable[[set[int], dt.datetime], set[int]]


def _call_open() -> Q:
    open_intervention = Intervention.objects.filter(call_id=OuterRef("pk")).not_final()
    return Q(ended_at__isnull=True) | Q(Exists(open_intervention))


def _intervention_open() -> Q:
    return ~Q(status__in=["closed", "cancelled"])


STREAMS = (
    _Stream("call", Call, _call_open, lambda ids, now: held_call_ids(ids, now=now)),
    _Stream(
        "intervention", Intervention, _intervention_open, lambda ids, now: held_intervention_ids(ids, now=now)
    ),
)


def _expired(stream: _Stream, now: dt.datetime, default_days: int, customer_days: dict[int, int]) -> Q:
    """Rows older than their customer's policy (the default where the customer has none)."""
    path = f"{stream.fk}__plant__customer_id"
    expired = Q(created_at__lt=now - dt.timedelta(days=default_days))
    if not customer_days:
        return expired
    expired &= ~Q(**{f"{path}__in": list(customer_days)})
    for customer_id, days in customer_days.items():
        expired |= Q(**{path: customer_id, "created_at__lt": now - dt.timedelta(days=days)})
    return expired


def _erase_batch(stream: _Stream, kind: str, ids: list[int], now: dt.datetime, tally: _Tally) -> int:
    """Erase ``kind`` from the subjects ``ids`` that are neither open nor held, in one short
    transaction; returns the last id handled."""
    candidates = set(ids)
    open_ids = set(
        stream.model.objects.filter(pk__in=candidates)
        .filter(stream.open_filter())
        .values_list("pk", flat=True)
    )
    held_ids = stream.held(candidates - open_ids, now)
    todo = sorted(candidates - open_ids - held_ids)
    if todo:
        started = time.perf_counter()
        with transaction.atomic():
            # Lock first, in id order (no deadlock with another run), then look again: a case
            # reopened or held since the look above is left alone.
            locked: list[Call | Intervention] = list(
                stream.model.objects.select_for_update().filter(pk__in=todo).order_by("pk")
            )
            ids_locked = {subject.pk for subject in locked}
            open_ids |= set(
                stream.model.objects.filter(pk__in=ids_locked)
                .filter(stream.open_filter())
                .values_list("pk", flat=True)
            )
            held_ids |= stream.held(ids_locked - open_ids, now)
            # One batch of statements for the whole batch (dispatch.services.personal_erase_locked).
            erasable = [subject for subject in locked if subject.pk not in open_ids | held_ids]
            erased = personal_erase_locked(
                subjects=erasable,
                kinds=[kind],
                because=f"retention:{kind}",
                actor=None,
                now=now,
            )
            tally.add(kind, "erased", sum(1 for count in erased.values() if count))
            if stream.model is Call and kind == PersonalKind.CALLER_NUMBER:
                # The calls' satisfaction surveys hold the number too (issue 21).
                survey_numbers_erase(call_ids=[subject.pk for subject in erasable])
        tally.batches += 1
        tally.longest = max(tally.longest, time.perf_counter() - started)
    tally.add(kind, "skipped_open", len(open_ids))
    tally.add(kind, "skipped_held", len(held_ids))
    return ids[-1]


def _batch_size() -> int:
    return max(1, int(settings.PRONTO_RETENTION_BATCH_SIZE))


def _retention_kind(stream: _Stream, kind: str, expired: Q, now: dt.datetime, tally: _Tally) -> None:
    fk_id = f"{stream.fk}_id"
    after = 0
    size = _batch_size()
    while True:
        ids = list(
            PersonalDatum.objects.filter(kind=kind, erased_at__isnull=True, **{f"{fk_id}__gt": after})
            .filter(expired)
            .order_by(fk_id)
            .values_list(fk_id, flat=True)
            .distinct()[:size]
        )
        if not ids:
            return
        after = _erase_batch(stream, kind, ids, now, tally)


def personal_data_retention(*, now: dt.datetime | None = None) -> RetentionRun:
    """Erase every piece of personal data older than its policy, but for open and held cases;
    then forget technicians' positions older than the position policy. Idempotent: what is
    erased is not erased again, and a run that stops half-way is finished by the next. Leaves a
    ``RetentionRun`` with its counts (its ``error`` says why, if it stopped)."""
    now = now or timezone.now()
    run = RetentionRun.objects.create(started_at=now)
    tally = _Tally(
        {kind: {"erased": 0, "skipped_open": 0, "skipped_held": 0} for kind in PersonalKind.values}
    )
    try:
        policies = retention_days_by_kind()
        for kind, (default_days, customer_days) in policies.items():
            for stream in STREAMS:
                _retention_kind(stream, kind, _expired(stream, now, default_days, customer_days), now, tally)
        cleared = technician_positions_clear(
            before=now - dt.timedelta(days=policies[PersonalKind.POSITION][0])
        )
        tally.counts[PersonalKind.POSITION]["technicians"] = cleared
    except Exception as exc:
        _run_finish(run, tally, error=repr(exc))
        raise
    _run_finish(run, tally)
    logger.info("retention run %s: %s", run.pk, run.counts)
    return run


def _run_finish(run: RetentionRun, tally: _Tally, *, error: str = "") -> None:
    run.finished_at = timezone.now()
    run.counts = {str(kind): dict(counts) for kind, counts in tally.counts.items()}
    run.batches, run.longest_batch_ms, run.error = tally.batches, round(tally.longest * 1000, 1), error
    run.save(update_fields=["finished_at", "counts", "batches", "longest_batch_ms", "error"])
