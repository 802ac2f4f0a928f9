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
