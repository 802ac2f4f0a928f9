"""A user's own screen settings (``WorkstationPreference``): no history event, they are not
records of the case."""

from typing import Any

from dispatch.models import WorkstationPreference

_FIELDS = frozenset({"alerts_muted", "board_filters", "board_sort"})


def workstation_preference_set(*, user: Any, **changes: Any) -> WorkstationPreference:
    """Set some of ``user``'s preferences (the rest keep their values); the row is created on
    first use."""
    unknown = set(changes) - _FIELDS
    if unknown:
        raise TypeError(f"unknown preference(s): {', '.join(sorted(unknown))}")
    preference, _created = WorkstationPreference.objects.update_or_create(user=user, defaults=changes)
    return preference
