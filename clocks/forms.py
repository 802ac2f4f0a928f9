from django import forms
from django.utils.translation import gettext_lazy as _

from clocks.choices import PauseReason
from clocks.models import CaseType
from routing.models import CallerClass


class CaseTypeForm(forms.Form):
    case_type = forms.ModelChoiceField(
        label=_("Case type"), queryset=CaseType.objects.filter(active=True), to_field_name="code"
    )
    caller_class = forms.ModelChoiceField(
        label=_("Caller class"),
        queryset=CallerClass.objects.order_by("rank"),
        to_field_name="code",
        required=False,
    )
    reach = forms.IntegerField(label=_("Plants affected"), min_value=1, max_value=10_000_000, initial=1)


class PauseForm(forms.Form):
    reason = forms.ChoiceField(label=_("Waiting for"), choices=PauseReason.choices)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
