"""The catalogue as the staff read it: caller classes and their rules, skills, teams, lines,
queues and operators (with their live state). What the supervisors send to change it is
``catalogue_write_serializers``; the answer to a write is the row as read here."""

from rest_framework import serializers

from routing.choices import PauseReason
from routing.models import CallerClass, CallerClassRule, Line, OperatorProfile, Queue, Skill
from teams.models import Team


class CallerClassRuleSerializer(serializers.ModelSerializer[CallerClassRule]):
    class Meta:
        model = CallerClassRule
        fields = ["id", "kind", "number", "prefix", "customer", "plant", "personal_manager", "note"]
        read_only_fields = fields


class CallerClassRuleDetailSerializer(CallerClassRuleSerializer):
    """A rule on its own (``/api/routing/caller-class-rules/``): with the class it assigns."""

    class Meta(CallerClassRuleSerializer.Meta):
        fields = ["id", "caller_class", *CallerClassRuleSerializer.Meta.fields[1:]]
        read_only_fields = fields


class CallerClassSerializer(serializers.ModelSerializer[CallerClass]):
    rules = CallerClassRuleSerializer(many=True, read_only=True)

    class Meta:
        model = CallerClass
        fields = ["id", "code", "name", "rank", "is_vip", "is_critical", "answer_target_seconds", "rules"]
        read_only_fields = fields


class SkillSerializer(serializers.ModelSerializer[Skill]):
    class Meta:
        model = Skill
        fields = ["id", "kind", "code", "name"]
        read_only_fields = fields


class TeamSerializer(serializers.ModelSerializer[Team]):
    class Meta:
        model = Team
        fields = ["id", "code", "name", "region", "is_second_line", "consult_number"]
        read_only_fields = fields


class LineSerializer(serializers.ModelSerializer[Line]):
    class Meta:
        model = Line
        fields = ["id", "number", "name", "customer", "fallback_uri", "on_call_team"]
        read_only_fields = fields


class QueueSerializer(serializers.ModelSerializer[Queue]):
    class Meta:
        model = Queue
        fields = [
            "id", "code", "name", "skills", "offer_timeout_seconds", "overflow_queue",
            "overflow_after_seconds", "announcement",
        ]  # fmt: skip
        read_only_fields = fields


class OperatorProfileSerializer(serializers.ModelSerializer[OperatorProfile]):
    """An operator: phone, team, skills, lines (empty: every line) and the live state."""

    username = serializers.CharField(source="user.username", read_only=True)
    full_name = serializers.CharField(source="user.get_full_name", read_only=True)
    is_active = serializers.BooleanField(source="user.is_active", read_only=True)
    pause_reason = serializers.ChoiceField(choices=PauseReason.choices, allow_blank=True, read_only=True)

    class Meta:
        model = OperatorProfile
        fields = [
            "id", "user", "username", "full_name", "is_active", "extension", "sip_uri", "team", "skills",
            "lines", "wrap_up_seconds", "state", "state_since", "pause_reason", "wrap_up_until",
            "current_call",
        ]  # fmt: skip
        read_only_fields = fields
