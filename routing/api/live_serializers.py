"""The live side of the router as JSON: the wallboard, an operator's state, the abandoned calls
and the route a call took."""

import datetime as dt
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from routing.choices import ConsultOutcome, DecisionAction, OperatorState, PauseReason, RouteState
from routing.states import CONSOLE_TARGETS

# The console's pause reasons: "did not answer" is the router's to set.
CHOSEN_PAUSE_REASONS = [
    (value, label) for value, label in PauseReason.choices if value != PauseReason.NO_ANSWER
]
# A day the abandoned list may be asked for: far enough from the calendar's ends that the day's
# bounds in local time always exist.
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2999, 12, 31)


class WallboardQueueSerializer(serializers.Serializer[Any]):
    queue_id = serializers.IntegerField(allow_null=True, help_text="null: calls waiting in no queue")
    name = serializers.CharField()
    waiting = serializers.IntegerField()
    longest_wait_seconds = serializers.IntegerField()


class WallboardOperatorSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    username = serializers.CharField(source="user.username")
    team = serializers.CharField(source="team.name", allow_null=True, default=None)
    state = serializers.ChoiceField(choices=OperatorState.choices)
    state_since = serializers.DateTimeField()
    pause_reason = serializers.CharField()


class WallboardLineSerializer(serializers.Serializer[Any]):
    line = serializers.CharField()
    offered = serializers.IntegerField(help_text="Calls today that reached the queue (not forwarded).")
    answered = serializers.IntegerField()
    answered_in_target = serializers.IntegerField(help_text="Answered within 120 s of arrival.")
    share_in_target = serializers.FloatField(allow_null=True, help_text="null: no call offered today")


class WallboardSerializer(serializers.Serializer[Any]):
    at = serializers.DateTimeField()
    queues = WallboardQueueSerializer(many=True)
    states = serializers.DictField(
        child=serializers.IntegerField(), help_text="Active operators per state (every state is a key)."
    )
    operators = WallboardOperatorSerializer(many=True, help_text="Active operators not signed off.")
    lines = WallboardLineSerializer(many=True)
    abandoned_today = serializers.IntegerField()
    answered_today = serializers.IntegerField()


class OperatorStateSerializer(serializers.Serializer[Any]):
    """An operator's state; ``choices`` are the states the console may choose from it now."""

    operator = serializers.IntegerField(allow_null=True, help_text="The profile; null before first use.")
    username = serializers.CharField()
    state = serializers.ChoiceField(choices=OperatorState.choices)
    state_label = serializers.CharField()
    state_since = serializers.DateTimeField(allow_null=True)
    pause_reason = serializers.CharField()
    wrap_up_until = serializers.DateTimeField(allow_null=True)
    current_call = serializers.IntegerField(allow_null=True)
    choices = serializers.ListField(child=serializers.ChoiceField(choices=OperatorState.choices))


class OperatorStateChoiceSerializer(serializers.Serializer[Any]):
    state = serializers.ChoiceField(choices=[c for c in OperatorState.choices if c[0] in CONSOLE_TARGETS])
    reason = serializers.ChoiceField(
        choices=CHOSEN_PAUSE_REASONS,
        required=False,
        allow_blank=True,
        default="",
        help_text="Why: required when pausing, ignored otherwise.",
    )


class AbandonedQuerySerializer(serializers.Serializer[Any]):
    date = serializers.DateField(required=False, help_text="The day, local time; default today.")

    def validate_date(self, value: dt.date) -> dt.date:
        if not FIRST_DAY <= value <= LAST_DAY:
            raise serializers.ValidationError(_("Choose a day between 2000 and 2999."))
        return value


class NamedSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class AbandonedCallSerializer(serializers.Serializer[Any]):
    call = serializers.IntegerField(source="call_id")
    number = serializers.CharField(source="call.caller_number")
    caller_class = NamedSerializer(allow_null=True)
    queue = NamedSerializer(allow_null=True)
    wait_seconds = serializers.IntegerField(help_text="From arrival to hanging up.")
    arrived_at = serializers.DateTimeField()
    abandoned_at = serializers.DateTimeField(source="finished_at")
    has_callback = serializers.BooleanField(help_text="A callback is scheduled or made for this call.")


class DecisionSerializer(serializers.Serializer[Any]):
    at = serializers.DateTimeField()
    attempt = serializers.IntegerField()
    action = serializers.ChoiceField(choices=DecisionAction.choices)
    operator = serializers.CharField(source="operator.user.username", allow_null=True, default=None)
    target = serializers.CharField(help_text="Where the call was sent: the SIP URI or number.")
    queue = serializers.CharField(source="queue.name", allow_null=True, default=None)
    reason = serializers.CharField()
    position = serializers.IntegerField(allow_null=True)
    estimated_wait_seconds = serializers.IntegerField(allow_null=True)


class ConsultSerializer(serializers.Serializer[Any]):
    operator = serializers.CharField(source="operator.user.username", help_text="Who consulted.")
    team = serializers.CharField(source="team.name")
    consultant = serializers.CharField(source="consultant.user.username", allow_null=True, default=None)
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)
    duration_seconds = serializers.SerializerMethodField(help_text="null: still in progress")
    outcome = serializers.ChoiceField(choices=ConsultOutcome.choices, allow_blank=True)

    def get_duration_seconds(self, consult) -> int | None:
        if consult.ended_at is None:
            return None
        return max(0, round((consult.ended_at - consult.started_at).total_seconds()))


class CallRouteSerializer(serializers.Serializer[Any]):
    """How a call travelled through the router: every decision, as it was given, and consults."""

    call = serializers.IntegerField(source="call_id")
    caller_class = NamedSerializer(allow_null=True)
    queue = NamedSerializer(allow_null=True)
    state = serializers.ChoiceField(choices=RouteState.choices)
    priority = serializers.IntegerField()
    operator = serializers.CharField(source="operator.user.username", allow_null=True, default=None)
    arrived_at = serializers.DateTimeField()
    enqueued_at = serializers.DateTimeField(allow_null=True)
    connected_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    wait_seconds = serializers.IntegerField(help_text="Until answered or over; so far if still waiting.")
    announced_wait_seconds = serializers.IntegerField(allow_null=True)
    decisions = DecisionSerializer(many=True)
    consults = ConsultSerializer(many=True)
