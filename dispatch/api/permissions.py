from rest_framework.permissions import BasePermission

from dispatch.roles import user_roles


class HasActionRole(BasePermission):
    """Allow a viewset action only to the roles its ``action_roles`` names.

    Every action must be listed: one that is not is refused. A method the view does not route
    (``action`` is None) passes here so that DRF answers 405 to every role alike.
    """

    message = "Your role does not allow this action."

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        if view.action is None:
            return True
        allowed = view.action_roles.get(view.action)
        return bool(allowed) and not user_roles(request.user).isdisjoint(allowed)
