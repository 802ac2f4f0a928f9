"""The on-call rotas over the API: rotas, who is on call when, covers, who is on call now."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from rest_framework import serializers

from dispatch.api.fields import ClockTimeField, RowIdField
from dispatch.timing import PERIOD_FIRST_YEAR, PERIOD_LAST_YEAR
from oncall.choices import OnCallSource
from oncall.models import Rota, RotaCover
from teams.models import Team

MAX_SPAN = timedelta(days=92)
YEARS_TEXT = f"A year from {PERIOD_FIRST_YEAR} to {PERIOD_LAST_YEAR}."


def _in_years(value: Any) -> Any:
    if not PERIOD_FIRST_YEAR <= value.year <= PERIOD_LAST_YEAR:
        raise serializers.ValidationError(YEARS_TEXT)
    return value


def _technicians() -> Any:
    return get_user_model().objects.filter(is_active=True)


class RotaSerializer(serializers.ModelSerializer[Rota]):
    members = serializers.SerializerMethodField(help_text="User ids in the order of their turns.")
    handover_time = ClockTimeField(read_only=True)

    class Meta:
        model = Rota
        fields = ["id", "team", "name", "handover_weekday", "handover_time", "starts_on", "active", "members"]
        read_only_fields = fields

    def get_members(self, rota: Rota) -> list[int]:
        return [member.user_id for member in rota.members.all()]


class RotaWriteSerializer(serializers.Serializer[Any]):
    team = RowIdField(queryset=Team.objects.all())
    name = serializers.CharField(max_length=80)
    handover_weekday = serializers.IntegerField(min_value=0, max_value=6, help_text="0 = Monday … 6 = Sunday")
    handover_time = ClockTimeField(help_text="Local wall-clock time of the hand-over.")
    starts_on = serializers.DateField(help_text="The first hand-over (moved forward to its weekday).")
    members = RowIdField(
        queryset=_technicians(), many=True, help_text="The team's technicians, in turn order."
    )

    def validate_starts_on(self, value: Any) -> Any:
        return _in_years(value)


class SpanQuerySerializer(serializers.Serializer[Any]):
    locals()["from"] = serializers.DateTimeField(required=False, help_text="Default: now.")
    locals()["to"] = serializers.DateTimeField(
        required=False, help_text="Default: four weeks on; at most 92 days."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        for name in ("from", "to"):
            if attrs.get(name) is not None and not PERIOD_FIRST_YEAR <= attrs[name].year <= PERIOD_LAST_YEAR:
                raise serializers.ValidationError({name: YEARS_TEXT})
        start: datetime | None = attrs.get("from")
        end: datetime | None = attrs.get("to")
        if end is not None and start is not None and end <= start:
            raise serializers.ValidationError({"to": "The end comes after the start."})
        if end is not None and start is not None and end - start > MAX_SPAN:
            raise serializers.ValidationError({"to": "At most 92 days at a time."})
        return attrs


class SpanSerializer(serializers.Serializer[Any]):
    rota = serializers.IntegerField(source="rota_id")
    user = serializers.IntegerField(source="user_id")
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    source = serializers.ChoiceField(choices=OnCallSource.choices)  # type: ignore[assignment]  # the span's
    replaced = serializers.IntegerField(source="replaced_id", allow_null=True)
    cover = serializers.IntegerField(source="cover_id", allow_null=True)


class CoverSerializer(serializers.ModelSerializer[RotaCover]):
    class Meta:
        model = RotaCover
        fields = [
            "id", "rota", "kind", "status", "user", "replaced", "starts_at", "ends_at", "reason",
            "requested_by", "requested_at", "decided_by", "decided_at",
        ]  # fmt: skip
        read_only_fields = fields


class _CoverWriteSerializer(serializers.Serializer[Any]):
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    def validate_starts_at(self, value: Any) -> Any:
        return _in_years(value)

    def validate_ends_at(self, value: Any) -> Any:
        return _in_years(value)


class OverrideWriteSerializer(_CoverWriteSerializer):
    user = RowIdField(queryset=_technicians(), help_text="A technician of the team.")


class SwapWriteSerializer(_CoverWriteSerializer):
    taker = RowIdField(queryset=_technicians(), help_text="A colleague of the team who takes the span.")


class DecideSerializer(serializers.Serializer[Any]):
    approve = serializers.BooleanField()


class OnCallNowSerializer(serializers.Serializer[Any]):
    team = serializers.IntegerField()
    team_name = serializers.CharField()
    on_call = serializers.ListField(
        child=serializers.IntegerField(), help_text="User ids, one per active rota."
    )
    backup_team = serializers.IntegerField(allow_null=True)
    backup_on_call = serializers.ListField(child=serializers.IntegerField())
