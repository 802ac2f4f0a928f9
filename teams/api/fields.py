"""The fields the teams' and on-call APIs share (the same as routing's, which sits above them)."""

from __future__ import annotations

from typing import Any

from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dispatch.inputs import id_parse


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
