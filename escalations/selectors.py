"""Reads of the escalations: the chain a case follows, the supervisors on duty, a case's
timeline (the steps fired and those still to come)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet

from clocks.models import Pause
from dispatch.choices import Role
from dispatch.models import Intervention
from shifts.selectors import on_shift_now

from .choices import RunState
from .models import EscalationChain, EscalationChainVersion, EscalationRun, EscalationRunStep, EscalationStep

ChainKey = tuple[int | None, int | None]


@dataclass(frozen=True)
class PublishedChain:
    """A chain's latest published version and its steps, in order."""

    chain: EscalationChain
    version: EscalationChainVersion
    steps: list[EscalationStep]


@dataclass(frozen=True)
class OnDuty:
    """The supervisors a "supervisor on duty" step reaches; ``on_shift`` False: nobody was on
    shift, so they are every active supervisor (the timeline says so)."""

    people: Sequence[AbstractBaseUser]
    on_shift: bool


def supervisors_on_duty(at: datetime) -> OnDuty:
    """The active supervisors on shift at ``at`` (``shifts.selectors.on_shift_now``, whatever
    their team or lines); when none is, every active supervisor: a warning nobody reads is worse
    than one read by a supervisor off shift. Three queries."""
    supervisors = get_user_model().objects.filter(is_active=True, groups__name=Role.SUPERVISOR).order_by("pk")
    on_shift = {shift.user_id for shift in on_shift_now(at=at)}
    people = [user for user in supervisors if user.pk in on_shift] if on_shift else []
    if people:
        return OnDuty(people, on_shift=True)
    return OnDuty(list(supervisors), on_shift=False)


def chains_published() -> dict[ChainKey, PublishedChain]:
    """Every chain with a published version, by (case type id, priority), its latest version
    and its steps. Three queries."""
    chains = {chain.pk: chain for chain in EscalationChain.objects.all()}
    latest: dict[int, EscalationChainVersion] = {}
    versions = EscalationChainVersion.objects.filter(published_at__isnull=False).order_by(
        "chain_id", "-number"
    )
    for version in versions:
        latest.setdefault(version.chain_id, version)
    steps: dict[int, list[EscalationStep]] = {version.pk: [] for version in latest.values()}
    for step in EscalationStep.objects.filter(version_id__in=list(steps)).order_by("version_id", "position"):
        steps[step.version_id].append(step)
    return {
        (chains[chain_id].case_type_id, chains[chain_id].priority): PublishedChain(
            chains[chain_id], version, steps[version.pk]
        )
        for chain_id, version in latest.items()
        if steps[version.pk]
    }


def chain_for(
    published: dict[ChainKey, PublishedChain], *, case_type_id: int | None, priority: int
) -> PublishedChain | None:
    """The most specific chain: case type and priority, then case type, then priority, then any."""
    for key in ((case_type_id, priority), (case_type_id, None), (None, priority), (None, None)):
        if key in published:
            return published[key]
    return None


def version_steps(version_ids: list[int]) -> dict[int, list[EscalationStep]]:
    """The steps of these versions, in order, by version id. One query."""
    steps: dict[int, list[EscalationStep]] = {pk: [] for pk in version_ids}
    for step in EscalationStep.objects.filter(version_id__in=version_ids).order_by("version_id", "position"):
        steps[step.version_id].append(step)
    return steps


@dataclass(frozen=True)
class ComingStep:
    """A step not fired yet, with when it falls due (None: while the case is paused, after the
    pause)."""

    step: EscalationStep
    due_at: datetime | None


@dataclass(frozen=True)
class CaseTimeline:
    run: EscalationRun | None
    earlier_runs: list[EscalationRun]
    fired: list[EscalationRunStep]
    coming: list[ComingStep]


def case_timeline(*, intervention: Intervention) -> CaseTimeline:
    """The case's latest run: the steps fired (when, whom, channel, outcome) and those to come
    with their due instants as planned now (each after the previous one's delay); the earlier
    runs of its former assignments."""
    runs = list(
        EscalationRun.objects.filter(intervention=intervention)
        .select_related("version", "version__chain")
        .order_by("-started_at", "-pk")
    )
    if not runs:
        return CaseTimeline(None, [], [], [])
    run = runs[0]
    fired = list(run.fired.select_related("user").order_by("position"))
    coming: list[ComingStep] = []
    if run.state == RunState.RUNNING:
        # Paused: the sweep holds the run (or will, at its next pass, for a pause begun before
        # the step fell due); the steps to come fall due after the pause, not at a time known now.
        paused = run.paused_at is not None or (
            run.next_due_at is not None
            and Pause.objects.filter(
                intervention=intervention, ended_at__isnull=True, started_at__lt=run.next_due_at
            ).exists()
        )
        due: datetime | None = None if paused else run.next_due_at
        for step in run.version.steps.filter(position__gte=run.next_position).order_by("position"):
            if step.position != run.next_position and due is not None:
                due = due + timedelta(minutes=step.delay_minutes)
            coming.append(ComingStep(step, due))
    return CaseTimeline(run, runs[1:], fired, coming)


def chain_list() -> QuerySet[EscalationChain]:
    """The chains with their versions and steps loaded (three queries whatever their number)."""
    return (
        EscalationChain.objects.select_related("case_type")
        .prefetch_related("versions__steps", "versions__published_by")
        .order_by("name")
    )
