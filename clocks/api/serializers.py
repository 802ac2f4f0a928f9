"""The clocks over the API: case types with their targets, and a case's clocks as they read now."""

from typing import Any

from rest_framework import serializers

from clocks.choices import ClockState, Metric, PauseReason
from clocks.models import CaseType, Target
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
