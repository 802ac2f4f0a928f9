"""The teams' pages: every team with its leader, backup team, members and area (staff read);
a team's page with its change log, where supervisors add and remove members and pieces of area
and set the leader and the backup team. Every write goes through ``teams.services``; a refusal
comes back on the team's page with the form as it was sent."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dispatch.choices import Role
from dispatch.inputs import id_parse
from dispatch.roles import has_role
from dispatch.views.common import STAFF, role_required
from teams import services
from teams.changes import team_changes
from teams.forms import AreaForm, LeadershipForm, MemberForm
from teams.models import Team, TeamArea
from teams.selectors import teams_with_people


def _team(pk: int) -> Team:
    team = teams_with_people().filter(pk=id_parse(str(pk)) or 0).first()
    if team is None:
        raise Http404
    return team


@require_GET
@role_required(*STAFF)
def team_list(request: HttpRequest) -> HttpResponse:
    return render(request, "teams/list.html", {"teams": teams_with_people()})


def _page(request: HttpRequest, team: Team, status: int = 200, **forms: object) -> HttpResponse:
    editor = has_role(request.user, Role.SUPERVISOR)
    context: dict[str, object] = {"team": team, "editor": editor, "changes": team_changes(team=team)}
    if editor:
        context.update(
            member_form=forms.get("member_form") or MemberForm(),
            area_form=forms.get("area_form") or AreaForm(),
            leadership_form=forms.get("leadership_form")
            or LeadershipForm(
                team=team, initial={"leader": team.leader_id, "backup_team": team.backup_team_id}
            ),
        )
    return render(request, "teams/detail.html", context, status=status)


def _refused(form, error: ValidationError) -> None:
    for field, errors in error.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@require_GET
@role_required(*STAFF)
def team_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _team(pk))


@require_POST
@role_required(Role.SUPERVISOR)
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    team = _team(pk)
    form = MemberForm(request.POST)
    if form.is_valid():
        try:
            membership = services.team_member_set(actor=request.user, team=team, **form.cleaned_data)
        except ValidationError as error:
            _refused(form, error)
        else:
            messages.success(request, _("%(who)s is in the team.") % {"who": membership.user})
            return redirect(reverse("teams:detail", args=[team.pk]))
    return _page(request, team, 400, member_form=form)


@require_POST
@role_required(Role.SUPERVISOR)
def member_remove(request: HttpRequest, pk: int, user_id: int) -> HttpResponse:
    team = _team(pk)
    user = get_user_model().objects.filter(pk=id_parse(str(user_id)) or 0).first()
    if user is None:
        raise Http404
    try:
        services.team_member_remove(actor=request.user, team=team, user=user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(who)s left the team.") % {"who": user})
    return redirect(reverse("teams:detail", args=[team.pk]))


@require_POST
@role_required(Role.SUPERVISOR)
def area_add(request: HttpRequest, pk: int) -> HttpResponse:
    team = _team(pk)
    form = AreaForm(request.POST)
    if form.is_valid():
        try:
            services.team_area_add(actor=request.user, team=team, **form.cleaned_data)
        except ValidationError as error:
            _refused(form, error)
        else:
            messages.success(request, _("Area added."))
            return redirect(reverse("teams:detail", args=[team.pk]))
    return _page(request, team, 400, area_form=form)


@require_POST
@role_required(Role.SUPERVISOR)
def area_remove(request: HttpRequest, pk: int, area_id: int) -> HttpResponse:
    area = (
        TeamArea.objects.filter(pk=id_parse(str(area_id)) or 0, team_id=id_parse(str(pk)) or 0)
        .select_related("team")
        .first()
    )
    if area is None:
        raise Http404
    services.team_area_remove(actor=request.user, area=area)
    messages.success(request, _("Area removed."))
    return redirect(reverse("teams:detail", args=[pk]))


@require_POST
@role_required(Role.SUPERVISOR)
def leadership(request: HttpRequest, pk: int) -> HttpResponse:
    team = _team(pk)
    form = LeadershipForm(request.POST, team=team)
    if form.is_valid():
        try:
            services.team_leadership_set(actor=request.user, team=team, **form.cleaned_data)
        except ValidationError as error:
            _refused(form, error)
        else:
            messages.success(request, _("Leader and backup team saved."))
            return redirect(reverse("teams:detail", args=[team.pk]))
    return _page(request, team, 400, leadership_form=form)
