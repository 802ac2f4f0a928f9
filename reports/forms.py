"""The forms of the report pages: the report's query, and a service-level profile's standards."""

from collections.abc import Mapping
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext, gettext_lazy

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

    def __init__(self, data: Mapping[str, Any] | None = None, *args, user, **kwargs):
        # Either spelling of the period (date_from/date_to or from/to); both, different: an error.
        self._used: dict[str, str] = {}
        self._conflicts: dict[str, str] = {}
        if data is not None:
            data, self._used, self._conflicts = period_query(data)
        super().__init__(data, *args, **kwargs)
        self._customers = customer_list_for_reports(user=user)
        cast("forms.ModelChoiceField[Customer]", self.fields["customer"]).queryset = self._customers

    def errors_by_parameter(self) -> str:
        """The errors, each named by the query parameter as the request spelt it."""
        return "; ".join(
            f"{self._used.get(field, field)}: {' '.join(str(m) for m in messages)}"
            for field, messages in self.errors.items()
        )

    def customers(self) -> QuerySet[Customer]:
        """The customers the user may choose (its own, for a utility user)."""
        return self._customers

    def clean(self) -> dict[str, Any]:
        super().clean()
        for field, message in self._conflicts.items():
            self.add_error(field, message)
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


# The report pages and the CSV export were written with ``date_from``/``date_to``, the API with
# ``from``/``to``: each accepts both, so a URL copied from one works on the other.
PERIOD_PARAMETERS = {"date_from": "from", "date_to": "to"}


def period_query(data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    """``data`` with the period under ``date_from``/``date_to`` whichever way it was spelt; the
    parameter each came in as (to name it in an error); and the errors of a period given twice
    with two different values (never one chosen silently)."""
    values = {key: data.get(key) for key in data}
    used: dict[str, str] = {}
    errors: dict[str, str] = {}
    for name, alias in PERIOD_PARAMETERS.items():
        given = {key: values.pop(key) for key in (name, alias) if values.get(key) not in (None, "")}
        if len(set(given.values())) > 1:
            errors[name] = gettext("Give %(name)s or %(alias)s, not both with different days.") % {
                "name": name,
                "alias": alias,
            }
        if given:
            used[name] = next(iter(given))
            values[name] = next(iter(given.values()))
    return values, used, errors
