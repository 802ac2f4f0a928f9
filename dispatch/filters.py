"""Search forms of the pages (the API's filters are in dispatch/api/filters.py)."""

from datetime import datetime, time

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .api.filters import PhoneNumberFilter
from .choices import CallType
from .models import Call


class CallSearch(django_filters.FilterSet):
    """Operators look a call up by the caller's number (any written form), the plant (code or
    name), the day it came in, its type, or words of its notes."""

    number = PhoneNumberFilter(field_name="caller_number", label=_("Caller number"))
    plant = django_filters.CharFilter(method="plant_filter", label=_("Plant (code or name)"), max_length=100)
    date_from = django_filters.DateFilter(
        method="from_filter", label=_("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = django_filters.DateFilter(
        method="to_filter", label=_("To"), widget=forms.DateInput(attrs={"type": "date"})
    )
    call_type = django_filters.ChoiceFilter(choices=CallType.choices, label=_("Call type"))
    q = django_filters.CharFilter(
        field_name="notes", lookup_expr="icontains", label=_("Text in the notes"), max_length=200
    )

    class Meta:
        model = Call
        fields: list[str] = []

    def plant_filter(self, queryset, name, value):
        return queryset.filter(Q(plant__code__iexact=value) | Q(plant__name__icontains=value))

    # Days are the operator's local days, bounds on the indexed received_at column.
    def from_filter(self, queryset, name, value):
        return queryset.filter(received_at__gte=timezone.make_aware(datetime.combine(value, time.min)))

    def to_filter(self, queryset, name, value):
        return queryset.filter(received_at__lte=timezone.make_aware(datetime.combine(value, time.max)))
