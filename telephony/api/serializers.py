from datetime import UTC, datetime
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dispatch.choices import TelephonyEventType
from dispatch.phone_numbers import MAX_INPUT_LENGTH

# Unix seconds between 2000 and 2100: a phone system's clock outside that is broken.
EPOCH_MIN = 946_684_800
EPOCH_MAX = 4_102_444_800


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "format": "date-time"},
            {"type": "number", "minimum": EPOCH_MIN, "maximum": EPOCH_MAX},
        ],
        "description": "ISO 8601 with a time zone, or Unix seconds (a fraction allowed).",
    }
)
class EventTimeField(serializers.DateTimeField):
    """A time as ISO 8601 or as Unix seconds (Kamailio's ``$TV(Sn)``)."""

    def to_internal_value(self, value: Any) -> datetime:
        if isinstance(value, int | float) and not isinstance(value, bool):
            if not EPOCH_MIN <= value <= EPOCH_MAX:
                raise serializers.ValidationError("Unix time out of range (years 2000 to 2100).")
            return datetime.fromtimestamp(value, tz=UTC)
        return super().to_internal_value(value)


class TelephonyEventSerializer(serializers.Serializer[None]):
    call_id = serializers.CharField(max_length=128)
    event = serializers.ChoiceField(choices=TelephonyEventType.choices)
    timestamp = EventTimeField()
    caller = serializers.CharField(max_length=MAX_INPUT_LENGTH, required=False, allow_blank=True, default="")
    line = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    agent = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    # callback_requested: when the caller booked the call (empty: as soon as an operator is free).
    callback_at = EventTimeField(required=False, allow_null=True, default=None)
