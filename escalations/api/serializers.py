from rest_framework import serializers

from dispatch.choices import Priority
from escalations.choices import RunState, StepChannel, StepOutcome, StepTarget, StopReason


class StepSerializer(serializers.Serializer):
    delay_minutes = serializers.IntegerField(min_value=0, max_value=7 * 24 * 60)
    target = serializers.ChoiceField(choices=StepTarget.choices)
    channel = serializers.ChoiceField(choices=StepChannel.choices)
    reassign = serializers.BooleanField(default=False)


class VersionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    published_at = serializers.DateTimeField()
    published_by = serializers.CharField(allow_null=True)


class ChainSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    case_type = serializers.CharField(allow_null=True, help_text="Case type code; null: any.")
    priority = serializers.IntegerField(allow_null=True, help_text="1 critical .. 4 low; null: any.")
    version = serializers.IntegerField(allow_null=True, help_text="The latest published version.")
    steps = StepSerializer(many=True, help_text="The latest published version's steps, in order.")
    versions = VersionSerializer(many=True)


class ChainCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    case_type = serializers.CharField(required=False, allow_null=True, default=None)
    priority = serializers.ChoiceField(
        choices=Priority.choices, required=False, allow_null=True, default=None
    )
    steps = StepSerializer(many=True)


class PublishSerializer(serializers.Serializer):
    steps = StepSerializer(many=True)


class FiredStepSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    target = serializers.ChoiceField(choices=StepTarget.choices)
    channel = serializers.ChoiceField(choices=StepChannel.choices)
    due_at = serializers.DateTimeField()
    fired_at = serializers.DateTimeField()
    user = serializers.CharField(allow_null=True, help_text="Username of the one person found.")
    outcome = serializers.ChoiceField(choices=StepOutcome.choices)
    sent_on = serializers.CharField(allow_blank=True)
    note = serializers.CharField(allow_blank=True)


class ComingStepSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    target = serializers.ChoiceField(choices=StepTarget.choices)
    channel = serializers.ChoiceField(choices=StepChannel.choices)
    reassign = serializers.BooleanField()
    due_at = serializers.DateTimeField(allow_null=True, help_text="Null while the case is paused.")


class CaseEscalationSerializer(serializers.Serializer):
    intervention = serializers.IntegerField()
    chain = serializers.CharField(allow_null=True)
    version = serializers.IntegerField(allow_null=True)
    state = serializers.ChoiceField(choices=RunState.choices, allow_null=True)
    stopped_reason = serializers.ChoiceField(choices=StopReason.choices, allow_blank=True)
    paused_since = serializers.DateTimeField(allow_null=True)
    fired = FiredStepSerializer(many=True)
    coming = ComingStepSerializer(many=True)
