import re
from datetime import date, time
from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from routing.models import Line
from shifts.choices import PatternKind
from shifts.models import MAX_CYCLE_DAYS, MAX_SHIFT_MINUTES, ShiftPattern
from shifts.services import YEARS
from teams.models import Team

MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class MonthField(forms.CharField):
    """A month as the browser's month input sends it: YYYY-MM."""

    widget = forms.TextInput(attrs={"type": "month"})

    def to_python(self, value: object) -> tuple[int, int] | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        match = MONTH.match(text)
        if match is None or not 1 <= int(match[2]) <= 12 or not YEARS[0] <= int(match[1]) <= YEARS[1]:
            raise forms.ValidationError(_("A month as YYYY-MM, from %(first)s to %(last)s.") % {
                "first": YEARS[0], "last": YEARS[1]})  # fmt: skip
        return int(match[1]), int(match[2])


class RosterQueryForm(forms.Form):
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False)
    month = MonthField(label=_("Month"), required=False)

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["team"]).queryset = teams


class GenerateForm(forms.Form):
    team = forms.ModelChoiceField(queryset=Team.objects.all(), widget=forms.HiddenInput)
    month = MonthField(widget=forms.HiddenInput)
    pattern = forms.ModelChoiceField(
        label=_("Pattern"), queryset=ShiftPattern.objects.filter(active=True), to_field_name="code"
    )


class ShiftForm(forms.Form):
    user: forms.ModelChoiceField = forms.ModelChoiceField(label=_("Operator"), queryset=None)
    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    start = forms.TimeField(label=_("Starts"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    end = forms.TimeField(
        label=_("Ends"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("Not after the start: the next day (a night shift)."),
    )
    break_minutes = forms.IntegerField(
        label=_("Breaks (minutes)"), min_value=0, max_value=MAX_SHIFT_MINUTES, initial=0
    )
    lines = forms.ModelMultipleChoiceField(
        label=_("Lines"),
        queryset=Line.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None: every line."),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["user"]).queryset = members

    def clean_day(self) -> date:
        day = self.cleaned_data["day"]
        if not YEARS[0] <= day.year <= YEARS[1]:
            raise forms.ValidationError(
                _("A year from %(first)s to %(last)s.") % {"first": YEARS[0], "last": YEARS[1]}
            )
        return day


class CoverageForm(forms.Form):
    date_from = forms.DateField(
        label=_("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    date_to = forms.DateField(
        label=_("To"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    line = forms.ModelChoiceField(label=_("Line"), queryset=Line.objects.all(), required=False)

    def clean(self):
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end:
            if not (YEARS[0] <= start.year <= YEARS[1] and YEARS[0] <= end.year <= YEARS[1]):
                raise forms.ValidationError(
                    _("Dates from %(first)s to %(last)s.") % {"first": YEARS[0], "last": YEARS[1]}
                )
            if end < start:
                self.add_error("date_to", _("The last day is before the first."))
            elif (end - start).days >= 62:
                self.add_error("date_to", _("At most 62 days at a time."))
        return data


BLOCK = re.compile(
    r"^\s*(\d{1,2})\s+([01]\d|2[0-3]):([0-5]\d)\s*-\s*([01]\d|2[0-3]):([0-5]\d)(?:\s+(\d{1,3}))?\s*$"
)


class PatternForm(forms.Form):
    """A custom pattern: one line per working day of the cycle, ``day HH:MM-HH:MM breaks``
    (``0 08:00-17:00 60``); an end not after the start is on the next day."""

    code = forms.SlugField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=80)
    kind = forms.ChoiceField(label=_("Kind"), choices=PatternKind.choices, initial=PatternKind.CUSTOM)
    cycle_days = forms.IntegerField(label=_("Cycle (days)"), min_value=1, max_value=MAX_CYCLE_DAYS, initial=7)
    blocks = forms.CharField(
        label=_("Working days"),
        widget=forms.Textarea(attrs={"rows": 6, "cols": 30}),
        help_text=_("One per line: day of the cycle (0 is the first; Monday in a weekly pattern), "
                    "start-end, break minutes. E.g. 0 08:00-17:00 60."),
    )  # fmt: skip

    def clean_blocks(self) -> list[tuple[int, time, int, int]]:
        blocks = []
        for number, line in enumerate(self.cleaned_data["blocks"].splitlines(), start=1):
            if not line.strip():
                continue
            match = BLOCK.match(line)
            if match is None:
                raise forms.ValidationError(_("Line %(n)s: day HH:MM-HH:MM breaks.") % {"n": number})
            start = int(match[2]) * 60 + int(match[3])
            length = (int(match[4]) * 60 + int(match[5]) - start) % (24 * 60) or 24 * 60
            blocks.append((int(match[1]), time(int(match[2]), int(match[3])), length, int(match[6] or 0)))
        return blocks


WEEKDAYS = [
    ("0", _("Mon")), ("1", _("Tue")), ("2", _("Wed")), ("3", _("Thu")),
    ("4", _("Fri")), ("5", _("Sat")), ("6", _("Sun")),
]  # fmt: skip


class MinimumForm(forms.Form):
    line = forms.ModelChoiceField(label=_("Line"), queryset=Line.objects.all())
    weekdays = forms.MultipleChoiceField(
        label=_("Weekdays"),
        choices=WEEKDAYS,
        widget=forms.CheckboxSelectMultiple,
        initial=[d for d, _l in WEEKDAYS],
    )
    from_hour = forms.IntegerField(label=_("From hour"), min_value=0, max_value=23, initial=8)
    to_hour = forms.IntegerField(label=_("To hour (not included)"), min_value=1, max_value=24, initial=20)
    minimum = forms.IntegerField(label=_("Minimum operators"), min_value=1, max_value=500, initial=1)

    def clean_weekdays(self) -> str:
        return "".join(sorted(self.cleaned_data["weekdays"]))
