"""What the supervisors send to change the catalogue: the shape of each row, related rows by id.

They check the shape only (types, lengths, ranges, that a named row exists: an unknown id is a
400, not a failed write); the services in ``routing.services.catalogue`` check the rest (a rule
names its kind's target, an overflow that would go round in a circle, a second-line team's
consult number...) and answer field by field. A PATCH sends only what changes."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from dispatch.api.fields import RowIdField
from dispatch.models import Customer, Plant
from routing.choices import ClassRuleKind, SkillKind
from routing.models import CallerClass, Line, Queue, Skill
from routing.services.catalogue import PROFILE_LIVE_FIELDS
from teams.models import Team

# The models' own bounds (``MaxValueValidator``s, a small integer's range), so that the schema
# says them and no value overflows a column.
RANK_MAX = 32767
ANSWER_TARGET_MAX = 3600
OFFER_TIMEOUT_MAX = 120
OVERFLOW_AFTER_MAX = 3600
WRAP_UP_MAX = 900


def _row(queryset: Any, **kwargs: Any) -> RowIdField:
    return RowIdField(queryset=queryset, required=False, **kwargs)


def _text(max_length: int, **kwargs: Any) -> serializers.CharField:
    return serializers.CharField(max_length=max_length, required=False, allow_blank=True, **kwargs)


class CallerClassWriteSerializer(serializers.Serializer[None]):
    code = serializers.SlugField(max_length=32)
    name = serializers.CharField(max_length=80)
    rank = serializers.IntegerField(min_value=0, max_value=RANK_MAX, help_text="0 is served first")
    is_vip = serializers.BooleanField(required=False, help_text="straight to their personal manager")
    is_critical = serializers.BooleanField(required=False)
    answer_target_seconds = serializers.IntegerField(min_value=0, max_value=ANSWER_TARGET_MAX, required=False)


class CallerClassRuleWriteSerializer(serializers.Serializer[None]):
    """What puts callers in a class: set the field of the rule's kind and leave the others empty."""

    caller_class = RowIdField(queryset=CallerClass.objects.all())
    kind = serializers.ChoiceField(choices=ClassRuleKind.choices)
    number = _text(20, help_text="kind number: the caller's number, digits after an optional +")
    prefix = _text(16, help_text="kind prefix")
    customer = _row(Customer.objects.all(), allow_null=True, help_text="kind customer")
    plant = _row(Plant.objects.all(), allow_null=True, help_text="kind plant")
    personal_manager = _row(
        get_user_model().objects.all(), allow_null=True, help_text="an operator or a supervisor (VIPs)"
    )
    note = _text(200)


class SkillWriteSerializer(serializers.Serializer[None]):
    kind = serializers.ChoiceField(choices=SkillKind.choices)
    code = serializers.SlugField(max_length=40)
    name = serializers.CharField(max_length=80)


class TeamWriteSerializer(serializers.Serializer[None]):
    code = serializers.SlugField(max_length=40)
    name = serializers.CharField(max_length=80)
    region = _text(80)
    is_second_line = serializers.BooleanField(required=False)
    consult_number = _text(32, help_text="what first-line operators dial; required for a second-line team")


class LineWriteSerializer(serializers.Serializer[None]):
    number = serializers.CharField(max_length=32)
    name = serializers.CharField(max_length=80)
    customer = _row(Customer.objects.all(), allow_null=True)
    fallback_uri = _text(200, help_text="off hours: a number or a sip: URI")
    on_call_team = _row(
        Team.objects.all(),
        allow_null=True,
        help_text="off hours: ring whoever is on call for this team first",
    )


class QueueWriteSerializer(serializers.Serializer[None]):
    code = serializers.SlugField(max_length=40)
    name = serializers.CharField(max_length=80)
    skills = _row(Skill.objects.all(), many=True, help_text="all of them are needed")
    offer_timeout_seconds = serializers.IntegerField(min_value=0, max_value=OFFER_TIMEOUT_MAX, required=False)
    overflow_queue = _row(Queue.objects.all(), allow_null=True, help_text="with overflow_after_seconds")
    overflow_after_seconds = serializers.IntegerField(
        min_value=0, max_value=OVERFLOW_AFTER_MAX, required=False, allow_null=True
    )
    announcement = _text(80, help_text="the id of the message the phone system plays")


class OperatorProfileWriteSerializer(serializers.Serializer[None]):
    """An operator's routing profile; the live state is the console's and the phone's
    (``/api/routing/operators/{id}/state/``), never set here."""

    extension = _text(32)
    sip_uri = _text(200, help_text="sip:user@host; give it or the extension")
    team = _row(Team.objects.all(), allow_null=True)
    skills = _row(Skill.objects.all(), many=True)
    lines = _row(Line.objects.all(), many=True, help_text="empty: every line")
    wrap_up_seconds = serializers.IntegerField(min_value=0, max_value=WRAP_UP_MAX, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # Left unread, a live field would be dropped without a word and the answer would be 200.
        live = sorted(set(self.initial_data) & set(PROFILE_LIVE_FIELDS))
        if live:
            message = _("Set by the console and the phone (the operator's state endpoint), not here.")
            raise serializers.ValidationError({name: [message] for name in live})
        return attrs


class OperatorProfileCreateSerializer(OperatorProfileWriteSerializer):
    user = RowIdField(queryset=get_user_model().objects.all(), help_text="an operator or a supervisor")
