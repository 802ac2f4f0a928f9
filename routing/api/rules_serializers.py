"""The routing rules' versions over the API: read them, publish a new one, try rules on a call."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from dispatch.api.fields import ClockTimeField, RowIdField
from dispatch.models import Customer
from routing.choices import HolidayMatch, RuleAction, SkillKind
from routing.models import CallerClass, Line, Queue, RoutingRule, RuleSetVersion, Skill
from routing.models.classes import DIGITS_PREFIX
from routing.services.rulesets import MAX_RULES, PRIORITY_LIMIT


def _row(queryset, **kwargs: Any) -> RowIdField:
    return RowIdField(queryset=queryset, required=False, allow_null=True, default=None, **kwargs)


class RuleWriteSerializer(serializers.Serializer[None]):
    """One rule as it is published: conditions (empty: any) and what to do. Related rows by id."""

    name = serializers.CharField(max_length=80)
    line = _row(Line.objects.all())
    weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6),
        max_length=7,
        required=False,
        default=list,
        help_text="0 = Monday … 6 = Sunday; empty: every day",
    )
    time_from = ClockTimeField(required=False, allow_null=True, default=None)
    time_to = ClockTimeField(
        required=False, allow_null=True, default=None, help_text="may be before time_from: across midnight"
    )
    holidays = serializers.ChoiceField(
        choices=HolidayMatch.choices, required=False, default=HolidayMatch.ANY_DAY
    )
    caller_class = _row(CallerClass.objects.all())
    number_prefix = serializers.CharField(
        max_length=16, required=False, allow_blank=True, default="", validators=[DIGITS_PREFIX]
    )
    customer = _row(Customer.objects.all())
    service = _row(Skill.objects.filter(kind=SkillKind.SERVICE))
    action = serializers.ChoiceField(choices=RuleAction.choices, required=False, default=RuleAction.QUEUE)
    queue = _row(Queue.objects.all(), help_text="required when action is queue")
    priority = serializers.IntegerField(
        min_value=-PRIORITY_LIMIT, max_value=PRIORITY_LIMIT, required=False, default=0
    )
    prefer_personal_manager = serializers.BooleanField(required=False, default=True)
    prefer_case_owner = serializers.BooleanField(required=False, default=True)
    forward_to = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text="forward: a number or sip: URI; empty: the line's off-hours fallback",
    )


class RulePublishSerializer(serializers.Serializer[None]):
    rules = RuleWriteSerializer(many=True, max_length=MAX_RULES, allow_empty=True)  # type: ignore[call-arg]
    note = serializers.CharField(max_length=200, help_text="what changed")


class RoutingRuleSerializer(serializers.ModelSerializer[RoutingRule]):
    class Meta:
        model = RoutingRule
        fields = [
            "id", "position", "name", "line", "weekdays", "time_from", "time_to", "holidays", "caller_class",
            "number_prefix", "customer", "service", "action", "queue", "priority", "prefer_personal_manager",
            "prefer_case_owner", "forward_to",
        ]  # fmt: skip
        read_only_fields = fields

    weekdays = serializers.ListField(child=serializers.IntegerField(min_value=0, max_value=6), read_only=True)
    time_from = ClockTimeField(read_only=True, allow_null=True)
    time_to = ClockTimeField(read_only=True, allow_null=True)


class RuleSetVersionSerializer(serializers.ModelSerializer[RuleSetVersion]):
    published_by = serializers.CharField(source="published_by.username", read_only=True, allow_null=True)

    class Meta:
        model = RuleSetVersion
        fields = ["id", "number", "published_at", "published_by", "note"]
        read_only_fields = fields


class RuleSetVersionDetailSerializer(RuleSetVersionSerializer):
    rules = RoutingRuleSerializer(many=True, read_only=True)

    class Meta(RuleSetVersionSerializer.Meta):
        fields = [*RuleSetVersionSerializer.Meta.fields, "rules"]
        read_only_fields = fields


class RuleTestRequestSerializer(serializers.Serializer[None]):
    """A sample call, and the rules to try: ``rules`` (a draft), else ``version``, else the active one."""

    line = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    at = serializers.DateTimeField()
    number = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    customer = _row(Customer.objects.all(), help_text="empty: the line's customer")
    service = _row(Skill.objects.filter(kind=SkillKind.SERVICE))
    version = _row(RuleSetVersion.objects.all())
    rules = RuleWriteSerializer(  # type: ignore[call-arg]
        many=True, max_length=MAX_RULES, required=False, help_text="a draft to try instead of a version"
    )


class RuleFailureSerializer(serializers.Serializer[None]):
    field = serializers.CharField()
    reason = serializers.CharField()


class RuleCheckSerializer(serializers.Serializer[None]):
    position = serializers.IntegerField(help_text="1 is tried first")
    name = serializers.CharField()
    matched = serializers.BooleanField()
    reached = serializers.BooleanField(help_text="false after the first match: first match wins")
    failures = RuleFailureSerializer(many=True, help_text="the conditions the call does not meet")


class RuleTestResultSerializer(serializers.Serializer[None]):
    matched_position = serializers.IntegerField(allow_null=True, help_text="null: no rule matches")
    matched_name = serializers.CharField(allow_null=True)
    caller_class = serializers.CharField(help_text="the class's code")
    class_reason = serializers.CharField()
    checks = RuleCheckSerializer(many=True)
