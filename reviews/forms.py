from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import POINTS_MAX
from .models import ReviewCriterion


class CriterionForm(forms.ModelForm):
    class Meta:
        model = ReviewCriterion
        fields = ["name", "description", "weight", "position", "active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


class DrawForm(forms.Form):
    month = forms.DateField(
        label=_("Month"), input_formats=["%Y-%m"], widget=forms.DateInput(attrs={"type": "month"})
    )
    size = forms.IntegerField(label=_("Calls per operator"), min_value=1, max_value=100)


POINT_CHOICES = [(str(n), str(n)) for n in range(POINTS_MAX + 1)]


class ReviewForm(forms.Form):
    """One 0..POINTS_MAX choice per criterion in use, and a comment."""

    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for criterion in self.criteria:
            self.fields[f"points_{criterion.pk}"] = forms.TypedChoiceField(
                label=criterion.name,
                help_text=criterion.description,
                choices=POINT_CHOICES,
                coerce=int,
                widget=forms.RadioSelect,
            )
        self.order_fields([f"points_{c.pk}" for c in self.criteria] + ["comment"])

    def points(self) -> dict[int, int]:
        return {c.pk: self.cleaned_data[f"points_{c.pk}"] for c in self.criteria}


class AcknowledgeForm(forms.Form):
    comment = forms.CharField(label=_("Your comment"), required=False, max_length=2000)
