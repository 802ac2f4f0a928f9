"""A user's role is the Django group it belongs to; these helpers read it once per request.

Roles are also kept in Django's cache (``PRONTO_ROLE_CACHE_SECONDS``): every API request needs
them and the group query was a tenth of a ``POST /api/calls/``. Changing a user's groups clears
its entry (``dispatch.signals``); with a per-process cache (the embedded default) other processes
see the change within the TTL, with the shared Redis cache of production at once. Deactivating a
user takes effect at once everywhere: ``is_active`` is read from the user row on each request.
"""

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser, PermissionsMixin
from django.core.cache import cache

from .choices import STAFF_ROLES, Role
from .models import UserProfile

__all__ = ["STAFF_ROLES", "has_role", "user_customer_id", "user_roles", "user_roles_forget"]
_VALID = frozenset(Role.values)

# request.user, a user row, or nobody (a task acting for the system).
AnyUser = AbstractBaseUser | AnonymousUser | None


def _cache_key(user_id: int) -> str:
    return f"pronto:roles:{user_id}"


def user_roles(user: AnyUser) -> frozenset[str]:
    """The role names of ``user``: cached on the user object and, for a short time, in the cache."""
    if not isinstance(user, PermissionsMixin) or not user.is_authenticated or not user.is_active:
        return frozenset()
    cached: frozenset[str] | None = getattr(user, "_pronto_roles", None)
    if cached is None:
        key = _cache_key(user.pk)
        names = cache.get(key) if settings.PRONTO_ROLE_CACHE_SECONDS else None
        if names is None:
            names = sorted(user.groups.values_list("name", flat=True))
            if settings.PRONTO_ROLE_CACHE_SECONDS:
                cache.set(key, names, settings.PRONTO_ROLE_CACHE_SECONDS)
        cached = frozenset(names) & _VALID
        # Kept on the object for the rest of the request: every check of it asks again.
        setattr(user, "_pronto_roles", cached)  # noqa: B010 (not a declared attribute)
    return cached


def user_roles_forget(user_ids: Iterable[int]) -> None:
    """Drop cached roles, after a change of group membership."""
    cache.delete_many([_cache_key(pk) for pk in user_ids])


def has_role(user: AnyUser, *roles: str) -> bool:
    return not user_roles(user).isdisjoint(roles)


def user_customer_id(user: AnyUser) -> int | None:
    """The customer a ``utility`` user is bound to, or None (such a user then sees nothing)."""
    if user is None or not user.is_authenticated:
        return None
    cached: int | None = getattr(user, "_pronto_customer_id", 0)
    if cached == 0:
        cached = UserProfile.objects.filter(user_id=user.pk).values_list("customer_id", flat=True).first()
        setattr(user, "_pronto_customer_id", cached)  # noqa: B010 (not a declared attribute)
    return cached
