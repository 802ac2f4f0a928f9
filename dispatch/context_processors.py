from django.utils import timezone

from .roles import STAFF_ROLES, user_roles


def roles(request) -> dict:
    """The signed-in user's roles, so templates show only the controls it may use; for staff,
    the number of callbacks due, so every page reminds the operator."""
    user_roles_now = user_roles(getattr(request, "user", None))
    context = {"user_roles": user_roles_now, "is_staff_role": bool(user_roles_now & STAFF_ROLES)}
    if context["is_staff_role"]:
        from .choices import CallbackStatus
        from .models import Callback

        context["callbacks_due"] = Callback.objects.filter(
            status=CallbackStatus.SCHEDULED, due_at__lte=timezone.now()
        ).count()
    return context
