"""The shifts over the API: shifts read and written, who is on now, coverage per hour."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework import serializers

from dispatch.api.fields import ClockTimeField, RowIdField
from dispatch.choices import STAFF_ROLES
from routing.models import Line
from shifts.choices import PatternKind
from shifts.models import MAX_CYCLE_DAYS, MAX_SHIFT_MINUTES, Shift, ShiftPattern
from shifts.services import YEARS
from teams.models import Team

MAX_SPAN_DAYS = 62


def _operators() -> Any:
    return get_user_model().objects.filter(is_active=True, groups__name__in=STAFF_ROLES).distinct()


class ShiftSerializer(serializers.ModelSerializer[Shift]):
    user_name = serializers.SerializerMethodField()
    real_minutes = serializers.IntegerField(
        read_only=True, help_text="Real length: 11 or 13 hours for a 12-hour night when the clocks change."
    )
    overnight = serializers.BooleanField(
        read_only=True, help_text="Ends on a later local day than it starts."
    )

    class Meta:
        model = Shift
        fields = [
            "id", "user", "user_name", "team", "day", "starts_at", "ends_at", "real_minutes", "overnight",
            "break_minutes", "lines", "source", "note",
        ]  # fmt: skip
        read_only_fields = fields

    def get_user_name(self, shift: Shift) -> str:
        return shift.user.get_full_name() or shift.user.get_username()


class ShiftWriteSerializer(serializers.Serializer[Any]):
    user = RowIdField(queryset=_operators(), help_text="An active operator (or supervisor).")
    team = RowIdField(queryset=Team.objects.all(), allow_null=True, help_text="null: outside any team.")
    day = serializers.DateField(help_text="The local day the shift starts on.")
    start = ClockTimeField(help_text="Local wall-clock start.")
    end = ClockTimeField(help_text="Local wall-clock end; not after the start: the next day.")
    break_minutes = serializers.IntegerField(min_value=0, max_value=MAX_SHIFT_MINUTES, default=0)
    lines = RowIdField(queryset=Line.objects.all(), many=True, required=False, default=list)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    def validate_day(self, value: date) -> date:
        if not YEARS[0] <= value.year <= YEARS[1]:
            raise serializers.ValidationError(f"A year from {YEARS[0]} to {YEARS[1]}.")
        return value


class _SpanQuerySerializer(serializers.Serializer[Any]):
    def _check_span(self, attrs: dict[str, Any]) -> None:
        start, end = attrs.get("from"), attrs.get("to")
        errors: dict[str, str] = {}
        for name, value in (("from", start), ("to", end)):
            if value is not None and not YEARS[0] <= value.year <= YEARS[1]:
                errors[name] = f"A year from {YEARS[0]} to {YEARS[1]}."
        if not errors and start is not None and end is not None:
            if end < start:
                errors["to"] = "The last day is before the first."
            elif (end - start).days >= MAX_SPAN_DAYS:
                errors["to"] = f"At most {MAX_SPAN_DAYS} days at a time."
        if errors:
            raise serializers.ValidationError(errors)


class ShiftListQuerySerializer(_SpanQuerySerializer):
    team = RowIdField(queryset=Team.objects.all(), required=False)
    user = RowIdField(queryset=get_user_model().objects.all(), required=False)
    locals()["from"] = serializers.DateField(
        required=False,
        help_text="First local day (shifts starting on it), inclusive; default: this month's first.",
    )
    locals()["to"] = serializers.DateField(
        required=False, help_text="Last local day, inclusive; default: this month's last. At most 62 days."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        self._check_span(attrs)  # the years first: a default month is worked out from them
        today = timezone.localdate()
        first = attrs.get("from") or (attrs.get("to") or today).replace(day=1)
        following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
        attrs["from"], attrs["to"] = first, attrs.get("to") or following - timedelta(days=1)
        self._check_span(attrs)
        return attrs


class NowQuerySerializer(serializers.Serializer[Any]):
    team = RowIdField(queryset=Team.objects.all(), required=False)
    line = RowIdField(queryset=Line.objects.all(), required=False)


class CoverageQuerySerializer(_SpanQuerySerializer):
    locals()["from"] = serializers.DateField(help_text="First local day, inclusive.")
    locals()["to"] = serializers.DateField(help_text="Last local day, inclusive; at most 62 days.")
    line = RowIdField(queryset=Line.objects.all(), required=False, help_text="Only this line's minimum.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        self._check_span(attrs)
        return attrs


class GenerateSerializer(serializers.Serializer[Any]):
    team = RowIdField(queryset=Team.objects.all())
    year = serializers.IntegerField(min_value=YEARS[0], max_value=YEARS[1])
    month = serializers.IntegerField(min_value=1, max_value=12)
    pattern = serializers.SlugRelatedField(
        slug_field="code", queryset=ShiftPattern.objects.filter(active=True)
    )
    users = RowIdField(
        queryset=_operators(), many=True, required=False, help_text="Default: the team's operators."
    )


class GeneratedSerializer(serializers.Serializer[Any]):
    created = serializers.IntegerField()
    replaced = serializers.IntegerField(help_text="Generated shifts not yet started, replaced.")
    kept = serializers.IntegerField(help_text="Days left as they were: a shift already there, or in the way.")


class OnShiftSerializer(serializers.Serializer[Any]):
    at = serializers.DateTimeField()
    shifts = ShiftSerializer(many=True)


class LineHourSerializer(serializers.Serializer[Any]):
    line = serializers.IntegerField(source="line.pk")
    have = serializers.IntegerField()
    need = serializers.IntegerField()
    who = serializers.ListField(child=serializers.CharField())


class HourSerializer(serializers.Serializer[Any]):
    start = serializers.DateTimeField(
        help_text="The hour's first instant, with the local offset (two at 02:00 the October night)."
    )
    count = serializers.IntegerField(help_text="Operators on shift for at least half of the hour.")
    who = serializers.ListField(child=serializers.CharField())
    lines = LineHourSerializer(many=True)


class GapSerializer(serializers.Serializer[Any]):
    start = serializers.DateTimeField()
    line = serializers.IntegerField(source="line.pk")
    line_name = serializers.CharField(source="line.name")
    have = serializers.IntegerField()
    need = serializers.IntegerField()
    who = serializers.ListField(child=serializers.CharField())


class CoverageSerializer(serializers.Serializer[Any]):
    hours = HourSerializer(many=True)
    gaps = GapSerializer(many=True, help_text="Hours and lines with fewer operators than their minimum.")


class PatternDaySerializer(serializers.Serializer[Any]):
    index = serializers.IntegerField(
        min_value=0, max_value=MAX_CYCLE_DAYS - 1, help_text="Day of the cycle; 0 first."
    )
    start = ClockTimeField(help_text="Local wall-clock start.")
    length_minutes = serializers.IntegerField(min_value=15, max_value=MAX_SHIFT_MINUTES)
    break_minutes = serializers.IntegerField(min_value=0, max_value=MAX_SHIFT_MINUTES, default=0)


class PatternSerializer(serializers.Serializer[Any]):
    code = serializers.SlugField(max_length=40)
    name = serializers.CharField(max_length=80)
    kind = serializers.ChoiceField(choices=PatternKind.choices, default=PatternKind.CUSTOM)
    cycle_days = serializers.IntegerField(min_value=1, max_value=MAX_CYCLE_DAYS)
    active = serializers.BooleanField(read_only=True)
    days = PatternDaySerializer(many=True, help_text="The working days; the cycle's others are off.")
