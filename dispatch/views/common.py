"""What every page shares: the roles each view serves, and how a refused form reads."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError

from dispatch import selectors
from dispatch.choices import Role
from dispatch.models import WorkstationPreference
from dispatch.roles import has_role

ALL_ROLES = tuple(Role.values)
STAFF = (Role.OPERATOR, Role.SUPERVISOR)


def role_required(*roles: str):
    """Sign-in required, then one of ``roles``; anyone else gets 403."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def form_error_text(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items())
    return " ".join(exc.messages)


def request_workstation_preference(request) -> WorkstationPreference:
    """The signed-in user's screen settings, read once per request: the board's filters and the
    header's alert switch both need them."""
    cached = getattr(request, "_workstation_preference", None)
    if cached is None:
        cached = request._workstation_preference = selectors.workstation_preference_get(user=request.user)
    return cached
