from rest_framework import serializers

from dispatch.choices import TelephonyEventType
from dispatch.phone_numbers import MAX_INPUT_LENGTH


class TelephonyEventSerializer(serializers.Serializer[None]):
    call_id = serializers.CharField(max_length=128)
    event = serializers.ChoiceField(choices=TelephonyEventType.choices)
    timestamp = serializers.DateTimeField()
    caller = serializers.CharField(max_length=MAX_INPUT_LENGTH, required=False, allow_blank=True, default="")
    line = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    agent = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
