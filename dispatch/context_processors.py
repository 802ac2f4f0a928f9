from django.conf import settings
from django.utils.functional import SimpleLazyObject

from .roles import STAFF_ROLES, user_roles
from .views.common import request_workstation_preference


def roles(request) -> dict:
    """The signed-in user's roles, so templates show only the controls it may use. (The staff's
    due callbacks come with the page's first poll of ``callbacks_due``, not here.)"""
    user_roles_now = user_roles(getattr(request, "user", None))
    return {
        "user_roles": user_roles_now,
        "is_staff_role": bool(user_roles_now & STAFF_ROLES),
        "callbacks_poll_seconds": settings.PRONTO_CALLBACKS_POLL_SECONDS,
        # The header's alert sound switch (issue 16): read only when a staff page shows it.
        "alerts_muted": SimpleLazyObject(lambda: _alerts_muted(request)),
    }


def _alerts_muted(request) -> bool:
    return request_workstation_preference(request).alerts_muted
