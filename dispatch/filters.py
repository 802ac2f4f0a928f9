"""Search and filter forms of the pages (the API's filters are in dispatch/api/filters.py)."""

from datetime import datetime, time

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .access import restrict
from .api.filters import PhoneNumberFilter
from .board import BOARD_ORDER_DEFAULT
from .choices import CallType, InterventionStatus, Priority, Role
from .models import Call, Customer, Intervention


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


# ----------------------------------------------------------------------------------------------
# The live board's filters and order, kept per user (WorkstationPreference)

BOARD_ORDER_LABELS = {
    "priority": _("Priority, then age"),
    "age": _("Age, oldest first"),
    "plant": _("Plant"),
    "technician": _("Technician, unassigned first"),
    "state": _("State"),
}
FINAL_STATES = (InterventionStatus.CLOSED, InterventionStatus.CANCELLED)
OPEN_STATES = [(value, label) for value, label in InterventionStatus.choices if value not in FINAL_STATES]


class TechnicianChoiceField(django_filters.fields.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


class TechnicianFilter(django_filters.ModelChoiceFilter):
    field_class = TechnicianChoiceField


def _customers(request):
    return restrict(Customer.objects.order_by("name"), request.user) if request else Customer.objects.none()


def _technicians(request):
    active = get_user_model().objects.filter(is_active=True, groups__name=Role.TECHNICIAN)
    return active.order_by("last_name", "first_name", "username").distinct()


class BoardFilter(django_filters.FilterSet):
    """What an operator narrows the board to. Customers are those the user may see (give the
    request). Every value is checked: one that is not offered is an error, never "everything".
    No filter crosses a to-many relation, so none asks for DISTINCT (which would sort every open
    intervention before the board takes its first 200)."""

    customer = django_filters.ModelChoiceFilter(
        field_name="plant__customer", queryset=_customers, label=_("Customer"), empty_label=_("All")
    )
    line = django_filters.CharFilter(field_name="call__line", label=_("Line called"), max_length=64)
    priority = django_filters.MultipleChoiceFilter(
        choices=Priority.choices, label=_("Priority"), widget=forms.CheckboxSelectMultiple, distinct=False
    )
    state = django_filters.MultipleChoiceFilter(
        field_name="status",
        choices=OPEN_STATES,
        label=_("State"),
        widget=forms.CheckboxSelectMultiple,
        distinct=False,
    )
    technician = TechnicianFilter(
        queryset=_technicians, label=_("Technician"), empty_label=_("All"), null_label=_("Not assigned")
    )
    # Kept with the filters; the order itself is ``board.board_for_user``'s (one needs a CASE).
    sort = django_filters.ChoiceFilter(
        choices=list(BOARD_ORDER_LABELS.items()), label=_("Order"), method="order_kept",
        widget=forms.HiddenInput,
    )  # fmt: skip

    class Meta:
        model = Intervention
        fields: list[str] = []

    def order_kept(self, queryset, name, value):
        return queryset

    @property
    def order(self) -> str:
        """The order asked for (call after ``is_valid()``)."""
        return self.form.cleaned_data.get("sort") or BOARD_ORDER_DEFAULT
