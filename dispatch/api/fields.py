"""Related fields that see what the requesting user sees (``dispatch.access``).

A row the user may not see is *not found* (404), exactly as when it is fetched by its own URL;
a row that does not exist at all is a validation error of the field (400). Views therefore
get related rows already checked, and never fetch them again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import NotFound

from dispatch.access import restrict
from dispatch.inputs import id_parse

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class ScopedRelatedFieldMixin(serializers.RelatedField[Any, Any, Any]):
    """For a ``RelatedField`` whose model declares a ``visibility``: its queryset is narrowed to
    the rows the request's user may see."""

    def get_queryset(self):
        queryset = self._queryset_unscoped()
        if not hasattr(queryset.model, "visibility"):
            return queryset
        request = self.context.get("request")
        if request is None:
            # Fail closed: without the user there is no telling which rows it may name.
            raise ImproperlyConfigured(f"{type(self).__name__} needs the request in its serializer's context")
        return restrict(queryset, request.user)

    def _queryset_unscoped(self):
        return super().get_queryset()

    def _refuse_if_hidden(self, data) -> None:
        """Not found (404) when ``data`` names a row that exists but is not the user's to see."""
        if self._lookup(self._queryset_unscoped(), data) is not None:
            model = self._queryset_unscoped().model
            raise NotFound(_("No %(what)s matches the given query.") % {"what": model._meta.verbose_name})

    def _lookup(self, queryset, data):
        pk = id_parse(data)
        return queryset.filter(pk=pk).first() if pk is not None else None


class ScopedPrimaryKeyRelatedField(ScopedRelatedFieldMixin, serializers.PrimaryKeyRelatedField):
    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError:
            self._refuse_if_hidden(data)
            raise


@extend_schema_field({"oneOf": [{"type": "integer"}, {"type": "string"}]})
class IdOrCodeField(ScopedRelatedFieldMixin, serializers.RelatedField):
    """A related object given by numeric id or by a unique text key (username, plant code)."""

    default_error_messages = {
        # DRF fills these in with str.format(), not with %.
        "does_not_exist": _("No such {what}: {value}."),
        "invalid": _("Give an id or a {lookup}."),
    }

    def __init__(self, *, key: str, what: StrOrPromise, **kwargs):
        self.key, self.what = key, what
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        """A number is an id. A string is the key first (plant codes may be all digits), then,
        if it is all digits and no key matches, an id (forms send every value as a string)."""
        if isinstance(data, bool) or not isinstance(data, (int, str)) or (isinstance(data, str) and not data):
            # Not key=: that is fail()'s own first argument.
            self.fail("invalid", lookup=self.key)
        found = self._lookup(self.get_queryset(), data)
        if found is None:
            self._refuse_if_hidden(data)
            self.fail("does_not_exist", what=self.what, value=data)
        return found

    def _lookup(self, queryset, data):
        found = queryset.filter(**{self.key: data}).first() if isinstance(data, str) else None
        pk = id_parse(data)
        if found is None and pk is not None:
            found = queryset.filter(pk=pk).first()
        return found

    def to_representation(self, value):
        return value.pk


# Plain fields every app's API shares (routing, teams, on-call, shifts).
class RowIdField(serializers.PrimaryKeyRelatedField):
    """A row by its id; anything that is not an id (1 … 2**63 - 1) of an existing row is a 400."""

    def to_internal_value(self, data: Any) -> models.Model:
        pk = id_parse(data)
        if pk is None:
            self.fail("incorrect_type", data_type=type(data).__name__)
        queryset = self.get_queryset()
        row = queryset.filter(pk=pk).first() if queryset is not None else None
        if row is None:
            self.fail("does_not_exist", pk_value=pk)
        return row


@extend_schema_field(
    {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$", "example": "08:00"}
)
class ClockTimeField(serializers.TimeField):
    """A time of day, local to the centre, as HH:MM (seconds are accepted and dropped)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", input_formats=["%H:%M", "%H:%M:%S"], **kwargs)
