"""The major incidents' API shapes: the incident with its updates, what a supervisor writes
(a declaration, an update, the resolution), an attachment, and the deliveries' counts."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from dispatch.api.fields import IdOrCodeField, ScopedPrimaryKeyRelatedField
from dispatch.models import Call, Intervention, Plant
from incidents.choices import AttachedHow, IncidentState, UpdateKind
from incidents.models import PUBLIC_MESSAGE_MAX, TITLE_MAX
from telecontrol.models import PlantAlarm


class IncidentQuerySerializer(serializers.Serializer):
    state = serializers.ChoiceField(
        choices=IncidentState.choices, required=False, help_text="Only incidents in this state."
    )


class IncidentNodeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class IncidentUpdateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField(help_text="1: the declaration; then in order.")
    kind = serializers.ChoiceField(choices=UpdateKind.choices)
    public_text = serializers.CharField(help_text="What callers and the status page read.")
    eta = serializers.DateTimeField(allow_null=True, help_text="The estimated restoration then.")
    at = serializers.DateTimeField()


class IncidentMemberCountsSerializer(serializers.Serializer):
    calls = serializers.IntegerField()
    alarms = serializers.IntegerField()
    interventions = serializers.IntegerField()


class IncidentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    customer = serializers.IntegerField(help_text="The customer's id.")
    node = IncidentNodeSerializer(help_text="The plant the incident was declared on.")
    title = serializers.CharField()
    cause = serializers.CharField(allow_blank=True)
    public_message = serializers.CharField(help_text="The latest public text.")
    eta = serializers.DateTimeField(allow_null=True)
    state = serializers.ChoiceField(choices=IncidentState.choices)
    auto_attach = serializers.BooleanField()
    detected_at = serializers.DateTimeField(help_text="The first call or alarm attached.")
    declared_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    reach_nodes = serializers.IntegerField(help_text="Plants the fault reached when declared.")
    reach_supply_points = serializers.IntegerField()
    status_url = serializers.CharField(help_text="The public status page (no personal data).")


class IncidentDetailSerializer(IncidentSerializer):
    updates = IncidentUpdateSerializer(many=True)
    members = IncidentMemberCountsSerializer(help_text="What is attached, of what the user may see.")


class IncidentDeclareSerializer(serializers.Serializer):
    node = IdOrCodeField(key="code", what=_("plant"), queryset=Plant.objects.all())
    title = serializers.CharField(max_length=TITLE_MAX)
    public_message = serializers.CharField(max_length=PUBLIC_MESSAGE_MAX)
    cause = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    eta = serializers.DateTimeField(required=False, allow_null=True, default=None)
    auto_attach = serializers.BooleanField(required=False, default=False)


class IncidentUpdateWriteSerializer(serializers.Serializer):
    public_text = serializers.CharField(max_length=PUBLIC_MESSAGE_MAX)
    eta = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="A new estimate (null: none); left out, the estimate stays as it was.",
    )


class IncidentResolveSerializer(serializers.Serializer):
    public_text = serializers.CharField(max_length=PUBLIC_MESSAGE_MAX)


class IncidentMemberWriteSerializer(serializers.Serializer):
    call = ScopedPrimaryKeyRelatedField(queryset=Call.objects.all(), required=False)
    alarm = ScopedPrimaryKeyRelatedField(queryset=PlantAlarm.objects.all(), required=False)
    intervention = ScopedPrimaryKeyRelatedField(queryset=Intervention.objects.all(), required=False)
    subscribe = serializers.BooleanField(
        required=False, default=False, help_text="With a call: the caller asked for the updates by SMS."
    )
    number = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        default="",
        help_text="With subscribe: the number to text (empty: the call's).",
    )

    def validate(self, attrs):
        given = [name for name in ("call", "alarm", "intervention") if attrs.get(name) is not None]
        if len(given) != 1:
            raise serializers.ValidationError(_("Give exactly one of call, alarm or intervention."))
        if attrs["subscribe"] and given != ["call"]:
            raise serializers.ValidationError({"subscribe": _("Only a caller can subscribe.")})
        return attrs


class IncidentMemberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    call = serializers.IntegerField(allow_null=True)
    alarm = serializers.IntegerField(allow_null=True)
    intervention = serializers.IntegerField(allow_null=True)
    how = serializers.ChoiceField(choices=AttachedHow.choices)
    attached_at = serializers.DateTimeField()
    subscribed = serializers.BooleanField(help_text="The caller's number now receives the updates.")


class DeliveryStatusCountsSerializer(serializers.Serializer):
    pending = serializers.IntegerField()
    sending = serializers.IntegerField()
    sent = serializers.IntegerField()
    delivered = serializers.IntegerField()
    failed = serializers.IntegerField()
    cancelled = serializers.IntegerField()


class IncidentUpdateDeliveriesSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The update's id.")
    position = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=UpdateKind.choices)
    at = serializers.DateTimeField()
    total = serializers.IntegerField(help_text="Outbox rows written for this update.")
    sms = serializers.IntegerField(help_text="To subscribers.")
    email = serializers.IntegerField(help_text="To the customer's contacts.")
    by_status = DeliveryStatusCountsSerializer()


class IncidentDeliveriesSerializer(serializers.Serializer):
    incident = serializers.IntegerField()
    updates = IncidentUpdateDeliveriesSerializer(many=True)
