from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from dispatch.api.fields import ScopedPrimaryKeyRelatedField
from dispatch.models import Call, Intervention
from telecontrol.choices import AlarmKind, CheckOutcome, Protocol
from telecontrol.models import PlantAlarm, PlantState


class MeasurementField(serializers.DictField):
    child = serializers.DictField()


class PlantStatusSerializer(serializers.Serializer):
    """A live check. ``stale`` data is never reported as fresh: its outcome is ``stale``."""

    plant = serializers.CharField()
    source = serializers.ChoiceField(choices=Protocol.choices)  # type: ignore[assignment]  # a field named like an attribute of Field; DRF keeps them apart
    outcome = serializers.ChoiceField(choices=CheckOutcome.choices)
    reachable = serializers.BooleanField()
    active = serializers.BooleanField(allow_null=True)
    anomaly = serializers.BooleanField(allow_null=True)
    out_of_service = serializers.BooleanField(allow_null=True)
    alarm_code = serializers.CharField(allow_blank=True)
    measurements = MeasurementField()
    checked_at = serializers.DateTimeField()
    observed_at = serializers.DateTimeField(allow_null=True)
    data_age_seconds = serializers.FloatField(allow_null=True)
    stale = serializers.BooleanField()
    error = serializers.CharField(allow_blank=True)
    duration_ms = serializers.FloatField()
    check_id = serializers.IntegerField(allow_null=True, help_text=_("Set when the check was stored."))


class PlantStatusQuerySerializer(serializers.Serializer):
    call = ScopedPrimaryKeyRelatedField(queryset=Call.objects.all(), required=False)
    intervention = ScopedPrimaryKeyRelatedField(queryset=Intervention.objects.all(), required=False)


class PlantAlarmSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=AlarmKind.choices)

    class Meta:
        model = PlantAlarm
        fields = ["id", "key", "kind", "code", "message", "source", "raised_at", "cleared_at", "intervention"]
        read_only_fields = fields


class PlantStateSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlantState
        fields = list(PlantState.REPORTED_FIELDS)
        read_only_fields = fields
