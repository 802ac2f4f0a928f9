"""What a clock says now: due when, amber from when, running, paused, met or breached.

A clock's due and amber instants depend only on its start, its target, its calendar and the
pauses, so they are worked out when one of those changes (``clocks.services``) and kept on the
clock; reading the board is then a comparison with now, whatever the calendar (5,000 open
cases must not mean 15,000 calendar walks per refresh). The stop comes from the case's own
timestamps (acknowledged, arrived, completed), so a reading is recomputable from what is stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from clocks.calendars import Calendar, Span, deadline_after, working_days_deadline, working_seconds
from clocks.choices import ClockState, TargetUnit


@dataclass(frozen=True)
class Plan:
    """When a clock falls due and turns amber, and how many seconds of open time it allows."""

    due_at: datetime
    amber_at: datetime
    target_seconds: float


def clock_plan(
    *,
    calendar: Calendar,
    start: datetime,
    amount: int,
    unit: str,
    amber_share: Decimal | float,
    pauses: Sequence[Span] = (),
) -> Plan:
    """Due and amber instants of a clock started at ``start`` (pauses push both back)."""
    if unit == TargetUnit.WORKING_DAYS:
        unpaused_due = working_days_deadline(calendar, start, amount)
        target_seconds = working_seconds(calendar, start, unpaused_due)
    else:
        target_seconds = amount * 60.0
    due_at = deadline_after(calendar, start, target_seconds, pauses=pauses)
    amber_at = deadline_after(calendar, start, float(amber_share) * target_seconds, pauses=pauses)
    return Plan(due_at=due_at, amber_at=amber_at, target_seconds=target_seconds)


@dataclass(frozen=True)
class Reading:
    state: str
    due_at: datetime
    stopped_at: datetime | None

    @property
    def late(self) -> bool:
        return self.state in (ClockState.BREACHED, ClockState.MET_LATE)


def clock_read(
    *,
    due_at: datetime,
    amber_reached: bool,
    stopped_at: datetime | None,
    paused_since: datetime | None,
    now: datetime,
) -> Reading:
    """The clock's state at ``now``. A stopped clock is met or met late for good. A paused one
    says so (its due instant moves on when the pause ends), unless it was late before it paused."""
    if stopped_at is not None:
        state = ClockState.MET if stopped_at <= due_at else ClockState.MET_LATE
    elif paused_since is not None:
        state = ClockState.BREACHED if due_at < paused_since else ClockState.PAUSED
    elif now > due_at:
        state = ClockState.BREACHED
    elif amber_reached:
        state = ClockState.AMBER
    else:
        state = ClockState.RUNNING
    return Reading(state=state, due_at=due_at, stopped_at=stopped_at)
