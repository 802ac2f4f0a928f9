"""Which rows a user may see: the one place that knows.

Each model that people reach declares its ``visibility``: the roles that see every row, the path
from a row to its ``Customer`` (a utility user sees its own customer's rows) and the path to the
technician it is assigned to (a technician sees the rows assigned to it). ``restrict()`` turns
that into a filter on any queryset of the model; the ``*_for_user`` selectors, the API's scoped
related fields (``dispatch.api.fields``), the pages, downloads, exports and reports all go
through it, so a utility user never reaches another customer's row by a path someone forgot.

A row outside what a user may see is *not found* (404), whether it exists or not: its existence
is none of that user's business. A role that may not use a page or an action at all hears 403
before any row is looked up (``dispatch.roles``). A user with no role, or a utility user bound
to no customer, sees nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from .choices import Role
from .disclosure import event_data_for
from .personal import personal_resolve
from .roles import user_customer_id, user_roles
from .visibility import SELF, Visibility

if TYPE_CHECKING:
    from .models import Event

M = TypeVar("M", bound=Model)
QS = TypeVar("QS", bound=QuerySet[Any])


class NoVisibility(TypeError):
    """A model reached through the access layer without declaring its ``visibility``."""


def visibility_of(model: type[Model]) -> Visibility:
    visibility = getattr(model, "visibility", None)
    if not isinstance(visibility, Visibility):
        raise NoVisibility(f"{model.__name__} declares no visibility (dispatch.access.Visibility)")
    return visibility


def restrict(queryset: QS, user: Any) -> QS:
    """``queryset`` narrowed to the rows ``user`` may see (see the module's docstring)."""
    visibility = visibility_of(queryset.model)
    roles = user_roles(user)
    if roles & visibility.everyone:
        return queryset
    allowed = Q(pk__in=[])
    if Role.UTILITY in roles and visibility.customer is not None:
        customer_id = user_customer_id(user)
        if customer_id is not None:
            path = "pk" if visibility.customer == SELF else f"{visibility.customer}_id"
            own = Q(**{path: customer_id})
            allowed |= own & visibility.customer_rows if visibility.customer_rows is not None else own
    if Role.TECHNICIAN in roles:
        if visibility.technician is not None:
            allowed |= _assigned_to(queryset.model, visibility.technician, user)
        if visibility.technician_rows is not None:
            allowed |= visibility.technician_rows
    if allowed == Q(pk__in=[]):
        return queryset.none()
    return queryset.filter(allowed)


def _assigned_to(model: type[Model], path: str, user: Any) -> Q:
    """Rows whose ``path`` leads to ``user``. A path through a to-many relation (a call's
    interventions) is matched in a subquery, so a row is listed once however many match."""
    if _crosses_many(model, path):
        return Q(pk__in=model._default_manager.filter(**{path: user}).values("pk"))
    return Q(**{path: user})


def _crosses_many(model: type[Model], path: str) -> bool:
    opts = model._meta
    for name in path.split("__"):
        field = opts.get_field(name)
        if field.many_to_many or field.one_to_many:
            return True
        if field.related_model is None:
            return False
        opts = field.related_model._meta
    return False


def get_for_user(queryset: QuerySet[M], user: Any, pk: Any) -> M:
    """The row ``pk`` of ``queryset`` if ``user`` may see it; otherwise not found (404)."""
    return found_or_404(restrict(queryset, user), pk)


def found_or_404(restricted: QuerySet[M], pk: Any) -> M:
    """The row ``pk`` of an already restricted queryset, or not found (404): a malformed id is
    not found either."""
    try:
        return restricted.get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise Http404(f"No {restricted.model._meta.verbose_name} matches the given query.") from exc


def can_see(user: Any, instance: Model) -> bool:
    """Whether ``user`` may see this row (one query, unless the role sees every row)."""
    queryset = type(instance)._default_manager.all()
    if user_roles(user) & visibility_of(type(instance)).everyone:
        return True
    return restrict(queryset, user).filter(pk=instance.pk).exists()


def history_for_user(user: Any, events: Iterable[Event]) -> list[Event]:
    """The events as ``user`` may read them, per role, event kind and key (the policy is
    ``dispatch.disclosure``). The stored rows are never changed (they are hash-chained); the
    copies shown are."""
    events = list(events)
    roles = user_roles(user)
    # Personal values come back from their own rows (or "(erased)"), then the policy applies.
    for event, data in zip(events, personal_resolve([event.data for event in events]), strict=True):
        event.data = event_data_for(roles, event.kind, data)
    return events
