from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from notifications.models import Notification, NotificationAttempt


class NotificationAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = NotificationAttempt
        fields = ["number", "started_at", "finished_at", "outcome", "gateway_id", "detail"]


class NotificationSerializer(serializers.ModelSerializer):
    attempt_log = NotificationAttemptSerializer(source="attempt_rows", many=True, read_only=True)

    class Meta:
        model = Notification
        fields = [
            "id",
            "reason",
            "channel",
            "recipient",
            "recipient_user",
            "subject",
            "body",
            "attachments",
            "status",
            "attempts",
            "next_attempt_at",
            "gateway_id",
            "last_error",
            "created_at",
            "sent_at",
            "delivered_at",
            "failed_at",
            "escalation_step",
            "attempt_log",
        ]
        read_only_fields = fields


class GatewayStatusSerializer(serializers.Serializer):
    """A Kannel delivery report (``dlr-url`` with ``type=%d&smsc_reply=%A``)."""

    token = serializers.CharField()
    type = serializers.IntegerField(min_value=0, max_value=255)
    smsc_reply = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class SmsInboundSerializer(serializers.Serializer):
    """What Kannel's sms-service passes: ``from=%p&to=%P&text=%a``."""

    token = serializers.CharField()
    sender = serializers.CharField(max_length=40)
    text = serializers.CharField(max_length=1600, allow_blank=True)


class MessageWriteSerializer(serializers.Serializer):
    """An SMS or an email an operator writes about an intervention (issue 20): to one technician
    or one contact of the plant's customer. ``subject`` and ``documents`` (ids in the plant's
    archive) are for an email only."""

    # A pattern, not a choice: "channel" is already the outbox's enum (sms, email, fax), and a
    # second choice set under that name would rename it in the schema clients generate from.
    channel = serializers.RegexField(
        r"^(sms|email)$",
        error_messages={"invalid": _("Choose sms or email.")},
        help_text="sms or email.",
    )
    technician = serializers.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1, help_text="A technician's user id."
    )
    contact = serializers.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1, help_text="A contact of the plant's customer."
    )
    text = serializers.CharField(max_length=20_000, trim_whitespace=True)
    subject = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    documents = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**31 - 1),
        required=False,
        default=list,
        max_length=50,
        help_text="Ids of the plant's archive documents to attach (email).",
    )

    def validate(self, attrs):
        if ("technician" in attrs) == ("contact" in attrs):
            raise serializers.ValidationError({"technician": _("Give one of technician or contact.")})
        return attrs


class MessageUploadSerializer(MessageWriteSerializer):
    """The same as a multipart form, with one more file to attach (email)."""

    file = serializers.FileField(required=False, help_text="One more file: PDF, image or plain text.")
