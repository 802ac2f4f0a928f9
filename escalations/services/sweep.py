"""The escalation sweep (Celery beat, every 30 s): starts a run for each assignment waiting for
its acknowledgement, stops the runs whose case no longer waits (saying why), holds them while
the case is paused (the delay does not run: the step falls due later by the pause's length), and
fires the steps due. In batches of runs taken with ``skip_locked``, each batch in a constant
number of statements, so 10,000 due runs take well under two seconds (benchmarks/bench_escalations.py)."""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, F, Max, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from clocks.models import Pause
from dispatch.bulk import rows_insert
from dispatch.choices import InterventionStatus
from dispatch.errors import TransitionNotAllowed
from dispatch.models import Intervention, Plant
from dispatch.services import event_record, intervention_assign
from dispatch.timing import as_utc
from escalations.choices import RunState, StepChannel, StepOutcome, StepTarget, StopReason
from escalations.models import EscalationRun, EscalationRunStep, EscalationStep
from escalations.selectors import chain_for, chains_published, version_steps
from notifications.choices import NotificationReason
from notifications.models import ContactPoint, Notification
from notifications.services import notification_build, notifications_queue_many, row_summary

from .history import EventBatch
from .targets import TargetContext, person_name, points_for_channel

logger = logging.getLogger(__name__)

# Runs per transaction: the locks are held for one batch only.
SWEEP_BATCH = 2500
# New runs started per sweep (the rest at the next one).
START_BATCH = 10_000
STOPPED = ("state", "stopped_reason", "stopped_at", "next_due_at", "paused_at")
PAUSED = ("paused_at",)
RESUMED = ("paused_at", "next_due_at")
FIRED = ("step_base_at", "next_position", "next_due_at", "state", "stopped_at", "paused_at")


def escalations_sweep(*, now: datetime | None = None, batch: int = SWEEP_BATCH) -> dict[str, int]:
    """Stop, pause, resume and fire the runs that need it, then start the runs of the new
    assignments (and fire their steps already due). Idempotent: each step fires once."""
    # In UTC: aware arithmetic in a local zone is wall-clock arithmetic (an hour off across a
    # daylight-saving change).
    now = as_utc(now or timezone.now())
    counts: Counter[str] = Counter()
    before = EscalationRun.objects.aggregate(last=Max("pk"))["last"] or 0
    _runs_process(now=now, after=0, batch=batch, counts=counts)
    counts["started"] = runs_start(now=now)
    _runs_process(now=now, after=before, batch=batch, counts=counts)
    return dict(counts)


def runs_start(*, now: datetime) -> int:
    """A run for each case assigned and not acknowledged without one for its assignment, on its
    chain's latest published version. The insert ignores a run another sweep made meanwhile,
    and one for a case whose former run is still running (the next sweep stops it first)."""
    waiting = list(
        Intervention.objects.filter(
            status=InterventionStatus.ASSIGNED,
            acknowledged_at__isnull=True,
            assigned_at__isnull=False,
            assigned_at__lte=now,
        )
        .filter(
            ~Exists(
                EscalationRun.objects.filter(
                    intervention=OuterRef("pk"), assignment_at=OuterRef("assigned_at")
                )
            )
        )
        .order_by("assigned_at", "pk")
        .values_list("pk", "assigned_at", "priority", "case_file__case_type_id")[:START_BATCH]
    )
    if not waiting:
        return 0
    published = chains_published()
    runs = []
    for pk, assigned_at, priority, case_type_id in waiting:
        if assigned_at is None:  # excluded by the query; says so to the type checker
            continue
        chain = chain_for(published, case_type_id=case_type_id, priority=priority)
        if chain is None:
            logger.warning("Intervention %s: no escalation chain for its case type and priority", pk)
            continue
        runs.append(
            EscalationRun(
                intervention_id=pk,
                version=chain.version,
                started_at=assigned_at,
                assignment_at=assigned_at,
                step_base_at=assigned_at,
                next_due_at=assigned_at + timedelta(minutes=chain.steps[0].delay_minutes),
            )
        )
    with transaction.atomic():
        EscalationRun.objects.bulk_create(runs, ignore_conflicts=True)
    return len(runs)


def _attention(now: datetime) -> Q:
    """Runs the sweep must look at: due, paused (to resume), or whose case no longer waits."""
    return (
        Q(next_due_at__lte=now)
        | Q(paused_at__isnull=False)
        | ~Q(intervention__status=InterventionStatus.ASSIGNED)
        | Q(intervention__acknowledged_at__isnull=False)
        | ~Q(intervention__assigned_at=F("assignment_at"))
    )


def _runs_process(*, now: datetime, after: int, batch: int, counts: Counter[str]) -> None:
    while True:
        with transaction.atomic():
            taken, after = _batch_process(now=now, after=after, batch=batch, counts=counts)
        if taken < batch:
            return


def stop_reason(run: EscalationRun, intervention: Intervention) -> StopReason | None:
    """Why the case no longer waits for this run's acknowledgement, if it does not."""
    if intervention.status == InterventionStatus.CANCELLED:
        return StopReason.CANCELLED
    if intervention.assigned_at != run.assignment_at:
        return StopReason.REASSIGNED
    if intervention.acknowledged_at is not None:
        return StopReason.ACKNOWLEDGED
    if intervention.status != InterventionStatus.ASSIGNED:
        return StopReason.FINISHED
    return None


def paused_time(
    pauses: list[tuple[datetime, datetime | None]], *, since: datetime, now: datetime
) -> tuple[timedelta, datetime | None]:
    """How long the case's ended pauses overlapped ``since``..``now``, and since when it is
    paused now (None: it is not)."""
    total, open_since = timedelta(0), None
    for started_at, ended_at in pauses:
        if ended_at is None:
            open_since = max(started_at, since)
            continue
        overlap = min(ended_at, now) - max(started_at, since)
        if overlap > timedelta(0):
            total += overlap
    return total, open_since


@dataclass
class _Fired:
    run: EscalationRun
    intervention: Intervention
    step: EscalationStep
    row: EscalationRunStep
    handover_to: Any = None
    notifications: list[Notification] = field(default_factory=list)


def _batch_process(*, now: datetime, after: int, batch: int, counts: Counter[str]) -> tuple[int, int]:
    runs = list(
        EscalationRun.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(state=RunState.RUNNING, pk__gt=after)
        .filter(_attention(now))
        .order_by("pk")[:batch]
    )
    if not runs:
        return 0, after
    last = runs[-1].pk
    # The cases' row locks order their history chains; one held by someone else: next sweep.
    interventions = _interventions_locked({run.intervention_id for run in runs})
    steps_of = version_steps(sorted({run.version_id for run in runs}))
    pauses: dict[int, list[tuple[datetime, datetime | None]]] = defaultdict(list)
    for intervention_id, started_at, ended_at in (
        Pause.objects.filter(intervention_id__in=list(interventions))
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=min(run.step_base_at for run in runs)))
        .values_list("intervention_id", "started_at", "ended_at")
    ):
        pauses[intervention_id].append((started_at, ended_at))
    events = EventBatch()
    changed: list[tuple[EscalationRun, tuple[str, ...]]] = []
    firing: list[tuple[EscalationRun, Intervention, datetime]] = []
    for run in runs:
        intervention = interventions.get(run.intervention_id)
        if intervention is None:
            continue
        reason = stop_reason(run, intervention)
        if reason is not None:
            run.state, run.stopped_reason, run.stopped_at = RunState.STOPPED, reason, now
            run.next_due_at = run.paused_at = None
            events.add(
                intervention, "escalation.stopped", {"reason": str(reason), "position": run.next_position}
            )
            changed.append((run, STOPPED))
            counts["stopped"] += 1
            continue
        step = steps_of[run.version_id][run.next_position - 1]
        closed, open_since = paused_time(pauses[intervention.pk], since=run.step_base_at, now=now)
        due = run.step_base_at + timedelta(minutes=step.delay_minutes) + closed
        if open_since is not None and open_since < due:
            if run.paused_at != open_since:
                run.paused_at = open_since
                changed.append((run, PAUSED))
                counts["paused"] += 1
            continue
        if run.paused_at is not None or run.next_due_at != due:
            run.paused_at, run.next_due_at = None, due
            if due > now:
                changed.append((run, RESUMED))
        if due <= now:
            firing.append((run, intervention, due))
    fired = _steps_fire(firing, steps_of=steps_of, now=now, events=events, counts=counts)
    changed.extend((run, FIRED) for run, _i, _d in firing)
    events.save()
    for item in fired:
        if item.handover_to is not None:
            _handover(item, now=now)
    rows_insert(EscalationRunStep, [item.row for item in fired])
    _runs_update(changed)
    return len(runs), last


def _interventions_locked(ids: set[int]) -> dict[int, Intervention]:
    """The cases, locked, with their calls, plants and technicians: each plant and technician
    made once, however many cases share it (thousands of cases, a few hundred plants)."""
    interventions = {
        i.pk: i
        for i in Intervention.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(pk__in=ids)
        .select_related("call")
        .order_by("pk")
    }
    plants = Plant.objects.in_bulk({i.plant_id for i in interventions.values()})
    technicians = get_user_model().objects.in_bulk(
        {i.technician_id for i in interventions.values() if i.technician_id}
    )
    plant_field, technician_field = (
        Intervention._meta.get_field("plant"),
        Intervention._meta.get_field("technician"),
    )
    for intervention in interventions.values():
        plant_field.set_cached_value(intervention, plants[intervention.plant_id])
        technician_field.set_cached_value(intervention, technicians.get(intervention.technician_id))
    return interventions


def _runs_update(changed: list[tuple[EscalationRun, tuple[str, ...]]]) -> None:
    """Save the runs' changed fields: one UPDATE per set of equal values (after a sweep most runs
    share them: the same next step due at the same instant), a few statements for thousands of
    runs where ``bulk_update``'s CASE per row took seconds."""
    groups: dict[tuple[tuple[str, ...], tuple[Any, ...]], list[int]] = defaultdict(list)
    for run, names in changed:
        groups[(names, tuple(getattr(run, name) for name in names))].append(run.pk)
    for (names, values), ids in groups.items():
        for start in range(0, len(ids), 900):
            EscalationRun.objects.filter(pk__in=ids[start : start + 900]).update(
                **dict(zip(names, values, strict=True))
            )


def _steps_fire(
    firing: list[tuple[EscalationRun, Intervention, datetime]],
    *,
    steps_of: dict[int, list[EscalationStep]],
    now: datetime,
    events: EventBatch,
    counts: Counter[str],
) -> list[_Fired]:
    """Fire each run's due step; a step that finds nobody goes on to the next one at once."""
    if not firing:
        return []
    targets = {s.target for run, _i, _d in firing for s in steps_of[run.version_id][run.next_position - 1 :]}
    context = TargetContext(now=now, interventions=[i for _r, i, _d in firing], targets=targets)
    fired: list[_Fired] = []
    notifications: dict[int, list[Notification]] = defaultdict(list)
    for run, intervention, due in firing:
        steps = steps_of[run.version_id]
        while True:
            step = steps[run.next_position - 1]
            item = _step_fire(run, intervention, step, steps, due=due, now=now, context=context)
            fired.append(item)
            notifications[intervention.pk].extend(item.notifications)
            events.add(intervention, "escalation.step", _step_data(item, last=step is steps[-1]))
            counts[f"step_{item.row.outcome}"] += 1
            run.next_position += 1
            if run.next_position > len(steps):
                run.state, run.next_due_at, run.stopped_at = RunState.EXHAUSTED, None, now
                counts["exhausted"] += 1
                break
            if item.row.outcome == StepOutcome.NOBODY:
                due = now  # the next step at once, and the timeline says why
                continue
            run.step_base_at = now
            run.next_due_at = now + timedelta(minutes=steps[run.next_position - 1].delay_minutes)
            break
    created = notifications_queue_many([row for rows in notifications.values() for row in rows])
    by_case: dict[int, list[Notification]] = defaultdict(list)
    for row in created:
        by_case[row.intervention_id].append(row)  # type: ignore[index]
    for _run, intervention, _due in firing:
        if by_case.get(intervention.pk):
            events.add(
                intervention,
                "notification.queued",
                {"notifications": [row_summary(r) for r in by_case[intervention.pk]]},
            )
    return fired


def _step_fire(
    run: EscalationRun,
    intervention: Intervention,
    step: EscalationStep,
    steps: list[EscalationStep],
    *,
    due: datetime,
    now: datetime,
    context: TargetContext,
) -> _Fired:
    found = context.find(step, intervention, earlier=steps[: step.position - 1])
    person = found.people[0] if len(found.people) == 1 else None
    row = EscalationRunStep(
        run=run,
        position=step.position,
        target=step.target,
        channel=step.channel,
        due_at=due,
        fired_at=now,
        user=person,
        outcome=StepOutcome.NOBODY if found.nobody else StepOutcome.NOTIFIED,
        note=found.nobody[:200],
    )
    item = _Fired(run, intervention, step, row)
    if found.nobody:
        return item
    if step.target == StepTarget.ASSIGNED_TECHNICIAN and due == run.assignment_at:
        # The assignment itself went out on every channel the technician has: not again.
        row.sent_on, row.note = "assignment", _("sent with the assignment")
        return item
    if step.reassign and person is not None and person.pk != intervention.technician_id:
        item.handover_to = person
        row.sent_on = "assignment"
        row.note = _("assigned to %(name)s") % {"name": person_name(person)}
        return item
    reason = (
        NotificationReason.SUPERVISOR_WARNING
        if step.target == StepTarget.SUPERVISOR_ON_DUTY
        else NotificationReason.ESCALATED
    )
    rows = [
        notification_build(
            intervention=intervention, reason=reason, point=point, now=now, escalation_step=step.position
        )
        for points in found.points.values()
        for point in points
    ]
    item.notifications = rows
    row.sent_on = ",".join(sorted({r.channel for r in rows}))
    if step.target == StepTarget.SUPERVISOR_ON_DUTY and not context.supervisors_on_shift:
        row.note = _("no supervisor on shift: every supervisor (%(count)s)") % {"count": len(found.people)}
    elif person is None:
        row.note = _("%(count)s people") % {"count": len([p for p in found.points.values() if p])}
    return item


def _step_data(item: _Fired, *, last: bool) -> dict[str, Any]:
    row = item.row
    return {
        "position": row.position,
        "target": row.target,
        "channel": row.channel,
        "outcome": row.outcome,
        "user_name": person_name(row.user) if row.user is not None else "",
        "sent_on": row.sent_on,
        "note": row.note,
        "version": item.run.version_id,
        "last": last,
    }


def _handover(item: _Fired, *, now: datetime) -> None:
    """Hand the case to the technician on call found, so it is on their phone: an assignment
    by the system itself (``intervention_assign(actor=None)``; the history says "system").
    Refused (the person not an active technician, the case's technician already, the case no
    longer active): the person is told on the step's channel instead, and the history and the
    step's row say why."""
    run, person = item.run, item.handover_to
    try:
        with transaction.atomic():
            assigned = intervention_assign(actor=None, intervention=item.intervention, technician=person)
        # This run follows the case to its new technician (the sweep's stop test compares them).
        run.assignment_at = assigned.assigned_at or now
        EscalationRun.objects.filter(pk=run.pk).update(assignment_at=run.assignment_at)
    except (PermissionDenied, ValidationError, TransitionNotAllowed) as refusal:
        why = " ".join(getattr(refusal, "messages", [str(refusal)]))
        item.row.note = (_("not assigned (%(why)s): told instead") % {"why": why})[:200]
        item.row.sent_on = ""
        # Only the case's row: PostgreSQL refuses FOR UPDATE on an outer join's nullable side.
        locked = (
            Intervention.objects.select_for_update(of=("self",))
            .select_related("plant", "call", "technician")
            .get(pk=item.intervention.pk)
        )
        event_record(
            subject=locked,
            kind="escalation.handover_refused",
            actor=None,
            data={"user_name": person_name(person), "why": why},
        )
        points = points_for_channel(
            list(
                ContactPoint.objects.filter(user=person, active=True)
                .select_related("user")
                .order_by("position", "id")
            ),
            StepChannel(item.step.channel),
            turn=0,
        )
        rows = notifications_queue_many(
            [
                notification_build(
                    intervention=locked,
                    reason=NotificationReason.ESCALATED,
                    point=p,
                    now=now,
                    escalation_step=item.step.position,
                )
                for p in points
            ]
        )
        item.row.sent_on = ",".join(sorted({r.channel for r in rows}))
        if rows:
            event_record(
                subject=locked,
                kind="notification.queued",
                actor=None,
                data={"notifications": [row_summary(r) for r in rows]},
            )
