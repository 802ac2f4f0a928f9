from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field

from dispatch.choices import CallType, InterventionStatus, PlantKind, Priority
from dispatch.inputs import MAX_ID, id_parse
from dispatch.models import Call, Intervention, Plant
from dispatch.phone_numbers import phone_number_normalize


class PhoneNumberField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        return phone_number_normalize(value, field=None) if value else value


class PhoneNumberFilter(filters.CharFilter):
    field_class = PhoneNumberField


class IdField(forms.Field):
    """A row id in a query string: ASCII digits, 1 to 2**63 - 1 (``dispatch.inputs.id_parse``).
    django-filter's ``NumberFilter`` reads a decimal: ``1e30`` passes, then overflows the
    database driver (500)."""

    default_error_messages = {"invalid": _("Give an id: a whole number from 1 to %(max)s.")}

    def to_python(self, value):
        value = value.strip() if isinstance(value, str) else value
        if value in self.empty_values:
            return None
        number = id_parse(value)
        if number is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid", params={"max": MAX_ID})
        return number


@extend_schema_field({"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID})
class IdFilter(filters.Filter):
    """Every filter on an id is this one (tests/security/test_inputs.py checks the API's
    filter sets): out of range or not a number is a 400 that says so."""

    field_class = IdField


class CallFilter(filters.FilterSet):
    """Inspectors look calls up by number and time: any written form of the number works."""

    caller_number = PhoneNumberFilter(field_name="caller_number")
    received_after = filters.IsoDateTimeFilter(field_name="received_at", lookup_expr="gte")
    received_before = filters.IsoDateTimeFilter(field_name="received_at", lookup_expr="lt")
    plant = IdFilter(field_name="plant_id")
    call_type = filters.ChoiceFilter(choices=CallType.choices)
    line = filters.CharFilter()
    q = filters.CharFilter(field_name="notes", lookup_expr="icontains", max_length=200)

    class Meta:
        model = Call
        fields: list[str] = []


class InterventionFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=InterventionStatus.choices)
    plant = IdFilter(field_name="plant_id")
    technician = IdFilter(field_name="technician_id")
    priority = filters.ChoiceFilter(choices=Priority.choices)
    call = IdFilter(field_name="call_id")

    class Meta:
        model = Intervention
        fields: list[str] = []


class PlantFilter(filters.FilterSet):
    """By id, not by a choice of every customer: a customer the user may not see is an empty
    list, as for any other id, rather than "not one of the available choices"."""

    customer = IdFilter(field_name="customer_id")
    kind = filters.ChoiceFilter(choices=PlantKind.choices)
    active = filters.BooleanFilter()

    class Meta:
        model = Plant
        fields: list[str] = []
