"""The forms of the report pages: the report's query, and a service-level profile's standards."""

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy

from dispatch.choices import CallType, ReportGrouping
from dispatch.models import Customer, ServiceLevelProfile
from reports.figures import period_problem
from reports.selectors import customer_list_for_reports
from reports.services import PROFILE_FIELDS


class ReportQueryForm(forms.Form):
    customer = forms.ModelChoiceField(queryset=Customer.objects.none(), label=gettext_lazy("Customer"))
    date_from = forms.DateField(label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(
        label=gettext_lazy("To (included)"), widget=forms.DateInput(attrs={"type": "date"})
    )
    group_by = forms.ChoiceField(
        label=gettext_lazy("Grouped by"), choices=ReportGrouping.choices, initial=ReportGrouping.MONTH
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self._customers = customer_list_for_reports(user=user)
        cast("forms.ModelChoiceField[Customer]", self.fields["customer"]).queryset = self._customers

    def customers(self) -> QuerySet[Customer]:
        """The customers the user may choose (its own, for a utility user)."""
        return self._customers

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("date_from") and data.get("date_to"):
            problem = period_problem(data["date_from"], data["date_to"], data.get("group_by", ""))
            if problem:
                self.add_error("date_to", problem)
        return data


class ProfileForm(forms.ModelForm):
    """The model's fields as they are (labels, limits); the lists of call types as checkboxes.
    Saved through ``reports.services.service_level_profile_save``, never by the form."""

    call_types = forms.MultipleChoiceField(
        label=gettext_lazy("Call types counted"),
        choices=CallType.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    call_types_apart = forms.MultipleChoiceField(
        label=gettext_lazy("Call types counted apart"), choices=CallType.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip

    class Meta:
        model = ServiceLevelProfile
        fields = list(PROFILE_FIELDS)
