"""The privacy API's shapes: requests from people and access log entries."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from privacy.choices import RequestKind
from privacy.models import AccessLogEntry, PersonalRequest, PersonalRequestStep
from privacy.models.requests import IDENTITY_CHECK_MAX_LENGTH, REASON_MAX_LENGTH, REQUESTER_MAX_LENGTH


class PersonalRequestStepSerializer(serializers.ModelSerializer[PersonalRequestStep]):
    actor = serializers.CharField(source="actor.get_username", read_only=True)

    class Meta:
        model = PersonalRequestStep
        fields = ["status", "at", "actor"]


class PersonalRequestSerializer(serializers.ModelSerializer[PersonalRequest]):
    """A request; ``number`` is empty once answered, ``outcome`` says what the answer did."""

    recorded_by = serializers.CharField(source="recorded_by.get_username", read_only=True)
    outcome = serializers.JSONField(read_only=True)
    steps = PersonalRequestStepSerializer(many=True, read_only=True)

    class Meta:
        model = PersonalRequest
        fields = [
            "id", "kind", "number", "requester", "identity_check", "received_at", "recorded_at",
            "recorded_by", "status", "answered_at", "outcome", "steps",
        ]  # fmt: skip
        read_only_fields = fields


class PersonalRequestCreateSerializer(serializers.Serializer[dict[str, Any]]):
    kind = serializers.ChoiceField(choices=RequestKind.choices)
    number = serializers.CharField(max_length=40, help_text="Any common written form; kept as E.164.")
    requester = serializers.CharField(max_length=REQUESTER_MAX_LENGTH)
    identity_check = serializers.CharField(max_length=IDENTITY_CHECK_MAX_LENGTH)
    received_at = serializers.DateTimeField(required=False)


class AccessLogQuerySerializer(serializers.Serializer[dict[str, Any]]):
    number = serializers.CharField(max_length=40)
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH)


class AccessLogEntrySerializer(serializers.ModelSerializer[AccessLogEntry]):
    user = serializers.CharField(source="user_label", read_only=True)

    class Meta:
        model = AccessLogEntry
        fields = ["at", "user", "kind", "call", "intervention", "document", "request", "reason"]
        read_only_fields = fields
