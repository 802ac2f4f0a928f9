from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import StepChannel, StepTarget


class StepForm(forms.Form):
    """One row of the chain's draft; rows are kept in the order of their numbers, a row marked
    to remove or left blank is dropped."""

    order = forms.IntegerField(label=_("Order"), min_value=1, max_value=99)
    delay_minutes = forms.IntegerField(label=_("After (minutes)"), min_value=0, max_value=7 * 24 * 60)
    target = forms.ChoiceField(label=_("Whom"), choices=StepTarget.choices)
    channel = forms.ChoiceField(label=_("Channel"), choices=StepChannel.choices)
    reassign = forms.BooleanField(label=_("Assign the case to them"), required=False)
    remove = forms.BooleanField(label=_("Remove"), required=False)


class BaseStepFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        """Each kept row its own order number: two rows with one number have no order."""
        if any(self.errors):
            return
        seen: set[int] = set()
        for form in self.forms:
            data = form.cleaned_data
            if not data or data.get("remove"):
                continue
            if data["order"] in seen:
                raise forms.ValidationError(
                    _("Two rows have the order %(order)s: give each row its own number.")
                    % {"order": data["order"]}
                )
            seen.add(data["order"])


StepFormSet = forms.formset_factory(StepForm, formset=BaseStepFormSet, extra=1, max_num=12, absolute_max=13)
