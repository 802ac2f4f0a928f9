"""The clocks over the API: case types with their targets, and a case's clocks as they read now."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from clocks.choices import ClockState, Metric, PauseReason
from clocks.models import CaseType, Target
from dispatch.timing import PERIOD_FIRST_YEAR, PERIOD_LAST_YEAR, period_years_valid
from routing.models import CallerClass


class TargetSerializer(serializers.ModelSerializer[Target]):
    caller_class: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )
    calendar: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    amber_share = serializers.FloatField(read_only=True)

    class Meta:
        model = Target
        fields = ["metric", "priority", "caller_class", "amount", "unit", "calendar", "amber_share"]


class CaseTypeSerializer(serializers.ModelSerializer[CaseType]):
    targets = TargetSerializer(many=True, read_only=True)

    class Meta:
        model = CaseType
        fields = ["code", "name", "default_priority", "verification_days", "active", "targets"]


class ClockSerializer(serializers.Serializer[Any]):
    metric = serializers.ChoiceField(choices=Metric.choices)
    state = serializers.ChoiceField(choices=ClockState.choices)
    due_at = serializers.DateTimeField()
    stopped_at = serializers.DateTimeField(allow_null=True)


class PausedSerializer(serializers.Serializer[Any]):
    reason = serializers.ChoiceField(choices=PauseReason.choices)
    note = serializers.CharField()
    since = serializers.DateTimeField()


class CaseClocksSerializer(serializers.Serializer[Any]):
    intervention = serializers.IntegerField()
    case_type = serializers.CharField(allow_null=True, help_text="null: the case has no type yet")
    caller_class = serializers.CharField(allow_null=True)
    reach = serializers.IntegerField(allow_null=True)
    paused = PausedSerializer(allow_null=True)
    clocks = ClockSerializer(many=True, help_text="Soonest due first.")


class CaseTypeChoiceSerializer(serializers.Serializer[Any]):
    case_type = serializers.SlugRelatedField(slug_field="code", queryset=CaseType.objects.filter(active=True))
    caller_class = serializers.SlugRelatedField(
        slug_field="code",
        queryset=CallerClass.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="The caller's class (its code) the targets are chosen for; null: none.",
    )
    reach = serializers.IntegerField(required=False, default=1, min_value=1, max_value=10_000_000)


class PauseSerializer(serializers.Serializer[Any]):
    reason = serializers.ChoiceField(choices=PauseReason.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class FiguresQuerySerializer(serializers.Serializer[Any]):
    date_from = serializers.DateField(help_text="First day (local time), inclusive.")
    date_to = serializers.DateField(help_text="Last day (local time), inclusive.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs["date_from"], attrs["date_to"]
        if not period_years_valid(start, end):
            raise serializers.ValidationError(
                _("Dates from %(first)d to %(last)d.")
                % {"first": PERIOD_FIRST_YEAR, "last": PERIOD_LAST_YEAR}
            )
        if end < start:
            raise serializers.ValidationError({"date_to": _("The last day comes before the first.")})
        if (end - start).days > 366:
            raise serializers.ValidationError({"date_to": _("At most a year at a time.")})
        return attrs


class FigureSerializer(serializers.Serializer[Any]):
    case_type = serializers.CharField()
    metric = serializers.ChoiceField(choices=Metric.choices)
    priority = serializers.IntegerField()
    caller_class = serializers.CharField(help_text="Empty: no class.")
    team = serializers.CharField(help_text="Code of the team whose area covers the plant; empty: none.")
    clocks = serializers.IntegerField()
    met = serializers.IntegerField(help_text="Stopped within the target.")
    late = serializers.IntegerField(help_text="Stopped late, or past due and still running.")
    running = serializers.IntegerField(help_text="Still running, not yet due.")
    share = serializers.FloatField(
        allow_null=True, help_text="met / (met + late); null when none is decided."
    )
