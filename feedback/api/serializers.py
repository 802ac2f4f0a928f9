from rest_framework import serializers

from dispatch.api.fields import ScopedPrimaryKeyRelatedField
from dispatch.models import Call
from feedback.choices import ComplaintStatus
from feedback.models import Complaint


class ComplaintSerializer(serializers.ModelSerializer):
    handled_by = serializers.SerializerMethodField()
    operator = serializers.SerializerMethodField()

    class Meta:
        model = Complaint
        fields = [
            "id", "call", "operator", "source", "score", "text", "opened_at", "status",
            "handled_by", "handled_at", "handled_notes",
        ]  # fmt: skip
        read_only_fields = fields

    def get_handled_by(self, row: Complaint) -> str | None:
        user = row.handled_by
        return (user.get_full_name() or user.get_username()) if user is not None else None

    def get_operator(self, row: Complaint) -> int | None:
        """The operator who took the call (the one the quality group reviews)."""
        return row.call.operator_id if row.call is not None else None


class ComplaintQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ComplaintStatus.choices, required=False)


class ComplaintHandleSerializer(serializers.Serializer):
    notes = serializers.CharField(max_length=2000)


class ComplaintOpenSerializer(serializers.Serializer):
    """A complaint taken on the phone: what the caller said, about which call (optional)."""

    call = ScopedPrimaryKeyRelatedField(queryset=Call.objects.all(), required=False, allow_null=True)
    text = serializers.CharField(max_length=2000)


class OptOutSerializer(serializers.Serializer):
    """A number whose caller asked for no surveys (any common written form; stored as E.164)."""

    number = serializers.CharField(max_length=40)
    created_at = serializers.DateTimeField(read_only=True)
    how = serializers.CharField(read_only=True)
