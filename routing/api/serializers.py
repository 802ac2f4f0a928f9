from rest_framework import serializers

from dispatch.phone_numbers import MAX_INPUT_LENGTH
from routing.choices import DecisionAction
from telephony.api.serializers import EventTimeField


class RouteRequestSerializer(serializers.Serializer[None]):
    call_id = serializers.CharField(max_length=128)
    caller = serializers.CharField(max_length=MAX_INPUT_LENGTH, required=False, allow_blank=True, default="")
    line = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    timestamp = EventTimeField()
    attempt = serializers.IntegerField(min_value=1, max_value=1000, required=False, default=1)
    previous = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    previous_status = serializers.IntegerField(min_value=0, max_value=699, required=False, default=0)


class RouteAnswerSerializer(serializers.Serializer[None]):
    """Only the keys of the chosen action are present."""

    action = serializers.ChoiceField(choices=DecisionAction.choices)
    uri = serializers.CharField(required=False, help_text="offer, forward: where to send the call")
    agent = serializers.CharField(
        required=False, help_text="offer: the operator's username (echo it in events)"
    )
    extension = serializers.CharField(required=False)
    timeout = serializers.IntegerField(required=False, help_text="offer: seconds to ring before asking again")
    position = serializers.IntegerField(required=False, help_text="queue: 1 is next")
    priority = serializers.IntegerField(required=False)
    estimated_wait = serializers.IntegerField(
        required=False, help_text="queue: seconds; absent when nobody who could answer is at work"
    )
    announcement = serializers.CharField(required=False, help_text="queue: the message to play")
    code = serializers.IntegerField(required=False, help_text="reject: the SIP status to answer")
    consult_of = serializers.CharField(
        required=False, help_text="offer of a second-line consult: the customer's call id"
    )


class QueuePollSerializer(serializers.Serializer[None]):
    waiting = serializers.ListField(
        child=serializers.CharField(max_length=128), max_length=5000, allow_empty=True
    )


class QueueResumeSerializer(serializers.Serializer[None]):
    resume = serializers.ListField(child=serializers.CharField())
