"""The setup pages' forms: they parse and show; the services in ``routing.services`` validate
again and write."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dispatch.choices import Role
from dispatch.models import Customer
from routing.choices import ClassRuleKind, HolidayMatch, RuleAction, SkillKind
from routing.models import CallerClass, CallerClassRule, Line, OperatorProfile, Queue, Skill
from teams.models import Team

WEEKDAYS = [
    (0, _("Mon")),
    (1, _("Tue")),
    (2, _("Wed")),
    (3, _("Thu")),
    (4, _("Fri")),
    (5, _("Sat")),
    (6, _("Sun")),
]
CLASS_RULE_TARGETS: dict[str, str] = {
    ClassRuleKind.NUMBER: "number",
    ClassRuleKind.PREFIX: "prefix",
    ClassRuleKind.CUSTOMER: "customer",
    ClassRuleKind.PLANT: "plant",
}
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class RuleForm(forms.Form):
    """One routing rule; saving it publishes a new version with the other rules unchanged."""

    name = forms.CharField(label=_("Name"), max_length=80)
    line = forms.ModelChoiceField(
        Line.objects.all(), label=_("Line"), required=False, empty_label=_("any line")
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Weekdays"),
        choices=WEEKDAYS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every day."),
    )
    time_from = forms.TimeField(label=_("From"), required=False, widget=TIME)
    time_to = forms.TimeField(
        label=_("To"), required=False, widget=TIME, help_text=_("A window may cross midnight (22:00–06:00).")
    )
    holidays = forms.ChoiceField(
        label=_("Calendar"), choices=HolidayMatch.choices, initial=HolidayMatch.ANY_DAY
    )
    caller_class = forms.ModelChoiceField(
        CallerClass.objects.all(), label=_("Caller class"), required=False, empty_label=_("any class")
    )
    number_prefix = forms.CharField(label=_("Number prefix"), max_length=16, required=False)
    customer = forms.ModelChoiceField(
        Customer.objects.order_by("name"), label=_("Customer"), required=False, empty_label=_("any customer")
    )
    service = forms.ModelChoiceField(
        Skill.objects.filter(kind=SkillKind.SERVICE),
        label=_("Service"),
        required=False,
        empty_label=_("any service"),
    )
    action = forms.ChoiceField(
        label=_("Action"), choices=RuleAction.choices, initial=RuleAction.QUEUE, widget=forms.RadioSelect
    )
    queue = forms.ModelChoiceField(Queue.objects.all(), label=_("Queue"), required=False)
    priority = forms.IntegerField(label=_("Priority boost"), min_value=-1000, max_value=1000, initial=0)
    prefer_personal_manager = forms.BooleanField(
        label=_("VIPs to their personal manager"), required=False, initial=True
    )
    prefer_case_owner = forms.BooleanField(
        label=_("To the operator who knows the open case"), required=False, initial=True
    )
    forward_to = forms.CharField(
        label=_("Forward to"),
        max_length=200,
        required=False,
        help_text=_("A number or sip: URI; empty: the line's off-hours fallback."),
    )
    note = forms.CharField(
        label=_("What changed"),
        max_length=200,
        required=False,
        help_text=_("Kept with the new version; empty: a short description is written for you."),
    )

    def rule_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("note", None)
        data["priority"] = data.get("priority") or 0
        return data


class SampleCallForm(forms.Form):
    """A call to try the rules on: the editor shows which rule it meets and why not the others."""

    line = forms.CharField(label=_("Line"), max_length=32, required=False)
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(label=_("Time"), widget=TIME)
    number = forms.CharField(label=_("Caller's number"), max_length=32, required=False)
    customer = forms.ModelChoiceField(
        Customer.objects.order_by("name"), label=_("Customer"), required=False, empty_label=_("from the line")
    )
    service = forms.ModelChoiceField(
        Skill.objects.filter(kind=SkillKind.SERVICE), label=_("Service"), required=False
    )

    def at(self) -> datetime:
        moment = datetime.combine(self.cleaned_data["date"], self.cleaned_data["time"])
        return timezone.make_aware(moment)


class CallerClassForm(forms.ModelForm):
    class Meta:
        model = CallerClass
        fields = ["code", "name", "rank", "is_vip", "is_critical", "answer_target_seconds"]


class CallerClassRuleForm(forms.ModelForm):
    class Meta:
        model = CallerClassRule
        fields = ["caller_class", "kind", "number", "prefix", "customer", "plant", "personal_manager", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["personal_manager"].queryset = _answering_users()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        target = CLASS_RULE_TARGETS.get(data.get("kind", ""))
        if target is not None and not data.get(target):
            self.add_error(target, _("A rule of this kind needs this field."))
        return data

    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]
        # The model's constraint (a rule names its target) says less than the field's message.
        if any(name in self.errors for name in CLASS_RULE_TARGETS.values()):
            self.errors.pop(NON_FIELD_ERRORS, None)


class SkillForm(forms.ModelForm):
    class Meta:
        model = Skill
        fields = ["kind", "code", "name"]


class TeamForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = ["code", "name", "region", "is_second_line", "consult_number"]


class LineForm(forms.ModelForm):
    class Meta:
        model = Line
        fields = ["number", "name", "customer", "fallback_uri", "on_call_team"]


class QueueForm(forms.ModelForm):
    class Meta:
        model = Queue
        fields = [
            "code",
            "name",
            "skills",
            "offer_timeout_seconds",
            "overflow_queue",
            "overflow_after_seconds",
            "announcement",
        ]
        widgets = {"skills": forms.CheckboxSelectMultiple}


class OperatorProfileForm(forms.ModelForm):
    class Meta:
        model = OperatorProfile
        fields = ["user", "extension", "sip_uri", "team", "skills", "lines", "wrap_up_seconds"]
        widgets = {"skills": forms.CheckboxSelectMultiple, "lines": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = _answering_users()  # type: ignore[attr-defined]


def _answering_users():
    return (
        get_user_model()
        .objects.filter(groups__name__in=[Role.OPERATOR, Role.SUPERVISOR], is_active=True)
        .distinct()
        .order_by("username")
    )
