"""A user's role is the Django group it belongs to; these helpers read it once per request."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from .choices import Role

STAFF_ROLES = frozenset({Role.OPERATOR, Role.SUPERVISOR})


def user_roles(user: AbstractBaseUser | AnonymousUser) -> frozenset[str]:
    """The role names of ``user``, cached on the user object (one query per request at most)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_pronto_roles", None)
    if cached is None:
        valid = set(Role.values)
        cached = frozenset(name for name in user.groups.values_list("name", flat=True) if name in valid)
        user._pronto_roles = cached
    return cached


def has_role(user, *roles: str) -> bool:
    return not user_roles(user).isdisjoint(roles)


def user_customer_id(user) -> int | None:
    """The customer a ``utility`` user is bound to, or None (such a user then sees nothing)."""
    cached = getattr(user, "_pronto_customer_id", 0)
    if cached == 0:
        from .models import UserProfile

        cached = UserProfile.objects.filter(user=user).values_list("customer_id", flat=True).first()
        user._pronto_customer_id = cached
    return cached
