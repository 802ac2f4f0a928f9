"""The on-call forms: a rota (its hand-over and its turns in order), an override, a swap."""

from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from oncall.models import Rota
from teams.choices import MemberRole
from teams.models import Team

LOCAL = "%Y-%m-%dT%H:%M"
WEEKDAYS = [
    (0, _("Monday")), (1, _("Tuesday")), (2, _("Wednesday")), (3, _("Thursday")),
    (4, _("Friday")), (5, _("Saturday")), (6, _("Sunday")),
]  # fmt: skip


class PersonField(forms.ModelChoiceField):
    """A person by name (the username when there is none)."""

    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.get_username()


def _moment(label) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL),
        input_formats=[LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )


def technicians_of(team: Team):
    return (
        get_user_model()
        .objects.filter(
            team_memberships__team=team, team_memberships__role=MemberRole.TECHNICIAN, is_active=True
        )
        .order_by("last_name", "first_name", "username")
    )


class RotaForm(forms.Form):
    """The turns are numbered selects (a technician per turn, in order): an ordered choice that
    needs no script."""

    name = forms.CharField(label=_("Name"), max_length=80)
    handover_weekday = forms.TypedChoiceField(
        label=_("Hand-over day"), choices=WEEKDAYS, coerce=int, initial=0
    )
    handover_time = forms.TimeField(
        label=_("Hand-over time"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        initial="08:00",
    )
    starts_on = forms.DateField(
        label=_("First hand-over"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, team: Team, rota: Rota | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        people = technicians_of(team)
        current = list(rota.members.values_list("user_id", flat=True)) if rota is not None else []
        for turn in range(max(people.count(), 1)):
            self.fields[f"turn_{turn}"] = PersonField(
                label=_("Turn %(n)s") % {"n": turn + 1},
                queryset=people,
                required=turn == 0,
                initial=current[turn] if turn < len(current) else None,
            )

    def clean(self):
        data = super().clean() or {}
        data["members"] = [
            data[name] for name in sorted(self.fields, key=lambda n: (len(n), n))
            if name.startswith("turn_") and data.get(name) is not None
        ]  # fmt: skip
        return data

    def save_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        keys = ("name", "handover_weekday", "handover_time", "starts_on", "members")
        return {key: data[key] for key in keys}


class _CoverForm(forms.Form):
    rota = forms.ModelChoiceField(label=_("Rota"), queryset=Rota.objects.none())
    starts_at = _moment(_("From"))
    ends_at = _moment(_("To"))
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def __init__(self, *args, team: Team, people, **kwargs):
        # Both forms may be on one page (a leader who takes turns): ids of their own.
        kwargs.setdefault("auto_id", f"{self.person}_%s")
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["rota"]).queryset = Rota.objects.filter(
            team=team, active=True
        )
        cast(forms.ModelChoiceField, self.fields[self.person]).queryset = people

    person = "user"


class OverrideForm(_CoverForm):
    user = PersonField(label=_("On call"), queryset=get_user_model().objects.none())
    field_order = ["rota", "user", "starts_at", "ends_at", "reason"]


class SwapForm(_CoverForm):
    taker = PersonField(label=_("Colleague who takes it"), queryset=get_user_model().objects.none())
    person = "taker"
    field_order = ["rota", "taker", "starts_at", "ends_at", "reason"]
