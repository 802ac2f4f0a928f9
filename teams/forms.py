"""The teams' forms: a member, a piece of area, the leader and the backup team."""

from typing import cast

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from dispatch.choices import Role
from dispatch.models import Plant
from teams.choices import AreaKind, MemberRole
from teams.models import Team


class PersonField(forms.ModelChoiceField):
    """A person by name and username."""

    def label_from_instance(self, obj) -> str:
        name = obj.get_full_name()
        return f"{name} ({obj.get_username()})" if name else obj.get_username()


def people() -> forms.ModelChoiceField:
    return PersonField(
        label=_("Person"),
        queryset=get_user_model()
        .objects.filter(is_active=True, groups__name__in=[Role.OPERATOR, Role.SUPERVISOR, Role.TECHNICIAN])
        .distinct()
        .order_by("last_name", "first_name", "username"),
    )


class MemberForm(forms.Form):
    user = people()
    role = forms.ChoiceField(label=_("As"), choices=MemberRole.choices)


class AreaForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=AreaKind.choices)
    plant = forms.ModelChoiceField(
        label=_("Plant code"),
        queryset=Plant.objects.all(),
        to_field_name="code",
        required=False,
        widget=forms.TextInput,
        help_text=_("For a plant."),
    )
    name = forms.CharField(
        label=_("Municipality or province"),
        max_length=100,
        required=False,
        help_text=_("Municipality as written on the plants; province as its two-letter code (MI, TO …)."),
    )


class LeadershipForm(forms.Form):
    leader = forms.ModelChoiceField(
        label=_("Leader"), queryset=get_user_model().objects.none(), required=False
    )
    backup_team = forms.ModelChoiceField(label=_("Backup team"), queryset=Team.objects.none(), required=False)

    def __init__(self, *args, team: Team, **kwargs):
        super().__init__(*args, **kwargs)
        leaders = get_user_model().objects.filter(is_active=True).filter(
            pk__in=team.memberships.values("user_id")
        ) | get_user_model().objects.filter(is_active=True, groups__name=Role.SUPERVISOR)
        cast(forms.ModelChoiceField, self.fields["leader"]).queryset = leaders.distinct().order_by("username")
        cast(forms.ModelChoiceField, self.fields["backup_team"]).queryset = Team.objects.exclude(pk=team.pk)
