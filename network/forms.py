"""The supervisors' forms: a plant's feeder and supply points, and the CSV upload (a file, or
the text pasted; after a refusal the text comes back in the box, so nothing is lost)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .csv_import import IMPORT_MAX_BYTES, SUPPLY_POINTS_MAX


class NodeForm(forms.Form):
    feeder = forms.CharField(
        label=_("Fed by (plant code)"),
        max_length=64,
        required=False,
        help_text=_("Empty: the plant is a root (nothing in the network feeds it)."),
    )
    supply_points = forms.IntegerField(label=_("Supply points"), min_value=0, max_value=SUPPLY_POINTS_MAX)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"), required=False)
    text = forms.CharField(
        label=_("or the CSV text"),
        required=False,
        max_length=IMPORT_MAX_BYTES,
        widget=forms.Textarea(attrs={"rows": 12, "cols": 60, "spellcheck": "false"}),
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if not data.get("file") and not (data.get("text") or "").strip():
            raise forms.ValidationError(_("Choose a file or paste the CSV text."))
        return data
