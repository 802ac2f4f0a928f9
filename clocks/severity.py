"""Severity and reach: how urgent a case is from its type, the caller's class and how many
plants or supply points it hits (one device is not a thousand)."""

from __future__ import annotations

from dispatch.choices import Priority

# Plants (or supply points) affected from which a case goes up a step, and to the top.
REACH_ONE_STEP = 10
REACH_CRITICAL = 100


def case_priority(*, type_priority: int, vip_or_critical_user: bool, reach: int) -> int:
    """The case type's priority, a step higher for a VIP or a critical user (a hospital), a step
    higher again from ten plants affected, critical from a hundred."""
    steps = (1 if vip_or_critical_user else 0) + (1 if reach >= REACH_ONE_STEP else 0)
    priority = max(int(Priority.CRITICAL), type_priority - steps)
    return int(Priority.CRITICAL) if reach >= REACH_CRITICAL else priority
