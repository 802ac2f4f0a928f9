"""Operators' states: which the operator may choose at the console, and from which states.

Offered, on call and wrap-up are the phone's to set (``routing.services.events``); an operator
ends a wrap-up early by choosing available, and cannot leave a ringing or live call by clicking.
A wrap-up whose time has run out counts as available without anyone writing it
(``operator_is_free``): the router must not wait for a sweep to hand out the next call.
"""

from __future__ import annotations

from datetime import datetime

from routing.choices import OperatorState as S
from routing.models import OperatorProfile

CONSOLE_TARGETS = frozenset({S.AVAILABLE, S.PAUSED, S.SIGNED_OFF})
CONSOLE_SOURCES = frozenset({S.AVAILABLE, S.PAUSED, S.SIGNED_OFF, S.WRAP_UP})
# States counted as "at work" on the wallboard (able to take this queue's calls soon).
STAFFED = frozenset({S.AVAILABLE, S.OFFERED, S.ON_CALL, S.WRAP_UP})


def console_change_allowed(current: str, target: str) -> bool:
    return target in CONSOLE_TARGETS and current in CONSOLE_SOURCES


def operator_is_free(profile: OperatorProfile, now: datetime) -> bool:
    if profile.state == S.AVAILABLE:
        return True
    return profile.state == S.WRAP_UP and profile.wrap_up_until is not None and profile.wrap_up_until <= now
