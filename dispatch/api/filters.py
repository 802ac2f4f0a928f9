from django import forms
from django_filters import rest_framework as filters

from dispatch.choices import CallType, InterventionStatus, Priority
from dispatch.models import Call, Intervention
from dispatch.phone_numbers import phone_number_normalize


class PhoneNumberField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        return phone_number_normalize(value, field=None) if value else value


class PhoneNumberFilter(filters.CharFilter):
    field_class = PhoneNumberField


class CallFilter(filters.FilterSet):
    """Inspectors look calls up by number and time: any written form of the number works."""

    caller_number = PhoneNumberFilter(field_name="caller_number")
    received_after = filters.IsoDateTimeFilter(field_name="received_at", lookup_expr="gte")
    received_before = filters.IsoDateTimeFilter(field_name="received_at", lookup_expr="lt")
    plant = filters.NumberFilter(field_name="plant_id")
    call_type = filters.ChoiceFilter(choices=CallType.choices)
    line = filters.CharFilter()
    q = filters.CharFilter(field_name="notes", lookup_expr="icontains", max_length=200)

    class Meta:
        model = Call
        fields: list[str] = []


class InterventionFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=InterventionStatus.choices)
    plant = filters.NumberFilter(field_name="plant_id")
    technician = filters.NumberFilter(field_name="technician_id")
    priority = filters.ChoiceFilter(choices=Priority.choices)
    call = filters.NumberFilter(field_name="call_id")

    class Meta:
        model = Intervention
        fields: list[str] = []
