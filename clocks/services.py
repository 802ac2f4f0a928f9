"""Writes: a case's type and clocks, its pauses, and the breaches the sweep records.

Each write that changes what a clock allows (a pause starting or ending) works the clock's due
and amber instants out again (``clocks.readings.clock_plan``) in the same transaction, and says
so in the intervention's history; a breach is recorded once, by the sweep, as an event.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from datetime import datetime

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clocks.calendars import Span
from clocks.choices import STOPPED_BY, Metric, PauseReason
from clocks.models import CaseFile, CaseType, Clock, Pause
from clocks.readings import clock_plan
from clocks.selectors import calendar_cached, target_for
from clocks.severity import case_priority
from dispatch.choices import InterventionStatus, Role
from dispatch.errors import TransitionNotAllowed
from dispatch.history import event_record
from dispatch.models import Intervention
from dispatch.roles import AnyUser, has_role
from dispatch.services import intervention_priority_raise
from routing.models import CallerClass

FINISHED = (InterventionStatus.CLOSED, InterventionStatus.CANCELLED)
# How many clocks one sweep records at most (the next sweep takes the rest).
SWEEP_BATCH = 2000


def clock_start_of(intervention: Intervention) -> datetime:
    """Clocks start with the call that reported the case (the regulator counts arrival from the
    call's start), else when the case was opened."""
    call = intervention.call
    return call.received_at if call is not None else intervention.opened_at


def _staff(actor: AnyUser) -> AbstractBaseUser:
    if not isinstance(actor, AbstractBaseUser) or not has_role(actor, Role.OPERATOR, Role.SUPERVISOR):
        raise PermissionDenied(_("Only operators and supervisors set a case's type and pauses."))
    return actor


def _pauses(intervention: Intervention, *, until: datetime) -> list[Span]:
    return [
        Span(pause.started_at, pause.ended_at or until)
        for pause in Pause.objects.filter(intervention=intervention).order_by("started_at")
    ]


def _plan(clock: Clock, pauses: Sequence[Span]) -> None:
    plan = clock_plan(
        calendar=calendar_cached(clock.calendar_id),
        start=clock.started_at,
        amount=clock.amount,
        unit=clock.unit,
        amber_share=clock.amber_share,
        pauses=pauses,
    )
    clock.due_at, clock.amber_at = plan.due_at, plan.amber_at


@transaction.atomic
def case_file_set(
    *,
    actor: AnyUser,
    intervention: Intervention,
    case_type: CaseType,
    caller_class: CallerClass | None = None,
    reach: int = 1,
) -> CaseFile:
    """Give the case its type (or a new one): its priority rises if the type, the caller's class
    or its reach call for more (never lowered here); its clocks start, or start again on the new
    type's targets for that priority, from the call's start. Clocks already stopped keep their
    outcome: a met response is not undone by a change of type."""
    actor = _staff(actor)
    locked = (
        Intervention.objects.select_for_update(of=("self",)).select_related("call").get(pk=intervention.pk)
    )
    if locked.status in FINISHED:
        raise TransitionNotAllowed(_("A closed or cancelled case keeps its type."))
    if reach < 1:
        raise ValidationError({"reach": _("At least one plant is affected.")})
    case_file, _created = CaseFile.objects.update_or_create(
        intervention=locked,
        defaults={"case_type": case_type, "caller_class": caller_class, "reach": reach},
    )
    wanted = case_priority(
        type_priority=case_type.default_priority,
        vip_or_critical_user=caller_class is not None and (caller_class.is_vip or caller_class.is_critical),
        reach=reach,
    )
    if wanted < locked.priority:
        reason = _("case type %(type)s, %(reach)d plants affected") % {"type": case_type.name, "reach": reach}
        locked = intervention_priority_raise(actor=actor, intervention=locked, priority=wanted, reason=reason)
    start = clock_start_of(locked)
    pauses = _pauses(locked, until=timezone.now())
    kept = []
    for metric in Metric.values:
        if getattr(locked, STOPPED_BY[Metric(metric)]) is not None:
            continue
        target = target_for(
            case_type=case_type,
            metric=metric,
            priority=locked.priority,
            caller_class_id=caller_class.pk if caller_class is not None else None,
        )
        Clock.objects.filter(intervention=locked, metric=metric).delete()
        if target is None:
            continue
        clock = Clock(
            intervention=locked,
            metric=metric,
            amount=target.amount,
            unit=target.unit,
            calendar=target.calendar,
            amber_share=target.amber_share,
            started_at=start,
        )
        _plan(clock, pauses)
        clock.save()
        kept.append(clock)
    event_record(
        subject=locked,
        kind="case.typed",
        actor=actor,
        data={
            "case_type": case_type.code,
            "case_type_name": case_type.name,
            "caller_class": caller_class.code if caller_class is not None else "",
            "reach": reach,
            "due": {clock.metric: clock.due_at.isoformat() for clock in kept},
        },
    )
    return case_file


@transaction.atomic
def pause_start(
    *,
    actor: AnyUser,
    intervention: Intervention,
    reason: str,
    note: str = "",
    at: datetime | None = None,
) -> Pause:
    """The case waits on the customer, parts, access or a third party: its clocks stop."""
    actor = _staff(actor)
    if reason not in PauseReason.values:
        raise ValidationError({"reason": _("Say what the case waits for.")})
    locked = Intervention.objects.select_for_update().get(pk=intervention.pk)
    if locked.status in FINISHED:
        raise TransitionNotAllowed(_("A closed or cancelled case has no clock to pause."))
    if Pause.objects.filter(intervention=locked, ended_at__isnull=True).exists():
        raise TransitionNotAllowed(_("The case is already paused."))
    at = at or timezone.now()
    pause = Pause.objects.create(
        intervention=locked, reason=reason, note=note, started_at=at, started_by_id=actor.pk
    )
    event_record(subject=locked, kind="case.paused", actor=actor, data={"reason": reason, "note": note})
    return pause


@transaction.atomic
def pause_end(*, actor: AnyUser, intervention: Intervention, at: datetime | None = None) -> Pause:
    """The wait is over: the clocks run again, due later by the open time the pause took."""
    actor = _staff(actor)
    locked = Intervention.objects.select_for_update().get(pk=intervention.pk)
    pause = Pause.objects.select_for_update().filter(intervention=locked, ended_at__isnull=True).first()
    if pause is None:
        raise TransitionNotAllowed(_("The case is not paused."))
    at = max(at or timezone.now(), pause.started_at)
    pause.ended_at, pause.ended_by_id = at, actor.pk
    pause.save(update_fields=["ended_at", "ended_by"])
    pauses = _pauses(locked, until=at)
    moved = {}
    for clock in Clock.objects.select_for_update().filter(intervention=locked):
        _plan(clock, pauses)
        clock.save(update_fields=["due_at", "amber_at"])
        moved[clock.metric] = clock.due_at.isoformat()
    event_record(
        subject=locked,
        kind="case.resumed",
        actor=actor,
        data={
            "reason": pause.reason,
            "seconds": round((at - pause.started_at).total_seconds()),
            "due": moved,
        },
    )
    return pause


def breaches_record(*, now: datetime | None = None) -> int:
    """Record each clock that ran past its due instant while still running, once: the clock
    keeps the time, the case's history says which target was missed. Idempotent; clocks of a
    case paused before they fell due wait for the pause to end."""
    now = now or timezone.now()
    recorded = 0
    with transaction.atomic():
        due = (
            Clock.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(settled_at__isnull=True, due_at__lt=now)
            .exclude(intervention__status__in=FINISHED)
            .select_related("intervention")
            .order_by("due_at")[:SWEEP_BATCH]
        )
        clocks = list(due)
        paused = dict(
            Pause.objects.filter(
                intervention_id__in={clock.intervention_id for clock in clocks}, ended_at__isnull=True
            ).values_list("intervention_id", "started_at")
        )
        met_in_time = []
        for clock in clocks:
            intervention = clock.intervention
            stopped = getattr(intervention, STOPPED_BY[Metric(clock.metric)])
            if stopped is not None and stopped <= clock.due_at:
                met_in_time.append(clock.pk)  # nothing to record
                continue
            since = paused.get(clock.intervention_id)
            if stopped is None and since is not None and since <= clock.due_at:
                continue
            clock.settled_at = now
            clock.save(update_fields=["settled_at"])
            locked = Intervention.objects.select_for_update().get(pk=intervention.pk)
            event_record(
                subject=locked,
                kind="clock.breached",
                actor=None,
                data={"metric": clock.metric, "due_at": clock.due_at.isoformat()},
            )
            recorded += 1
        Clock.objects.filter(pk__in=met_in_time).update(settled_at=now)
    return recorded


def shipped_setup_restore() -> None:
    """The calendars, case types and targets every centre starts with (migration 0002), made
    again where they are missing (a demo reset, a test database flushed); existing rows are left
    as they are."""
    from django.apps import apps

    shipped = importlib.import_module("clocks.migrations.0002_shipped_calendars_and_case_types")
    shipped.shipped_create(apps, None)
