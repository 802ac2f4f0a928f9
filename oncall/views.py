"""The on-call pages: who is on call now for every team (and its backup team); a team's rotas,
the coming weeks with who is on call and the covers; the rota's form and the override for the
leader or a supervisor; a technician's swap, approved or refused by the leader, withdrawn; and
the page with a person's calendar address. Every write goes through ``oncall.services``; a
refusal comes back on the team's page with the form as it was sent."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dispatch.choices import Role
from dispatch.errors import TransitionNotAllowed
from dispatch.inputs import id_parse
from dispatch.roles import has_role
from dispatch.views.common import role_required
from oncall import selectors, services
from oncall.choices import CoverStatus
from oncall.forms import WEEKDAYS, OverrideForm, RotaForm, SwapForm, technicians_of
from oncall.models import Rota, RotaCover
from teams.models import Team

READERS = (Role.OPERATOR, Role.SUPERVISOR, Role.TECHNICIAN)
WEEKS = 8
DAYS = dict(WEEKDAYS)


def _team(request: HttpRequest, pk: int) -> Team:
    team = selectors.oncall_teams_visible_to(user=request.user).filter(pk=id_parse(str(pk)) or 0).first()
    if team is None:
        raise Http404
    return team


def _names(ids) -> dict[int, str]:
    return {
        user.pk: user.get_full_name() or user.get_username()
        for user in get_user_model().objects.filter(pk__in=set(ids))
    }


@require_GET
@role_required(*READERS)
def now(request: HttpRequest) -> HttpResponse:
    """Every team the user may read: who is on call now, and who would take over (the backup)."""
    at = timezone.now()
    teams = list(selectors.oncall_teams_visible_to(user=request.user).select_related("backup_team", "leader"))
    on_call = selectors.on_call_by_team(
        at=at, team_ids={t.pk for t in teams} | {t.backup_team_id for t in teams if t.backup_team_id}
    )
    names = _names(uid for ids in on_call.values() for uid in ids)
    rows = [
        {
            "team": team,
            "on_call": [names[uid] for uid in on_call.get(team.pk, []) if uid in names],
            "backup": [names[uid] for uid in on_call.get(team.backup_team_id or 0, []) if uid in names],
        }
        for team in sorted(teams, key=lambda t: t.name)
    ]
    return render(request, "oncall/now.html", {"now": at, "rows": rows})


def _weeks(rota: Rota, names: dict[int, str]) -> list[dict[str, object]]:
    weeks = []
    for begins, ends, spans in selectors.rota_weeks(rota=rota, at=timezone.now(), weeks=WEEKS):
        rows = [
            {"span": s, "who": names.get(s.user_id, "?"), "replaced": names.get(s.replaced_id or 0, "")}
            for s in spans
        ]
        weeks.append({"begins": begins, "ends": ends, "spans": rows})
    return weeks


def _swap_initial(request: HttpRequest, rotas: list[Rota]) -> dict[str, object]:
    """The technician's next turn, to swap as it is or to narrow."""
    at = timezone.now()
    for rota in rotas:
        spans = selectors.rota_spans(rota=rota, start=at, end=at + timedelta(days=7 * WEEKS))
        mine = [s for s in spans if s.user_id == request.user.pk]
        if mine:
            local = timezone.localtime
            return {"rota": rota.pk, "starts_at": local(mine[0].starts_at), "ends_at": local(mine[0].ends_at)}
    return {"rota": rotas[0].pk} if rotas else {}


def _page(request: HttpRequest, team: Team, status: int = 200, **forms: object) -> HttpResponse:
    rotas = list(Rota.objects.filter(team=team, active=True).prefetch_related("members__user"))
    covers = list(
        RotaCover.objects.filter(rota__team=team, ends_at__gt=timezone.now())
        .exclude(status__in=[CoverStatus.REFUSED, CoverStatus.WITHDRAWN])
        .select_related("rota", "user", "replaced", "requested_by")
        .order_by("starts_at", "pk")
    )
    ids = {m.user_id for r in rotas for m in r.members.all()} | {c.user_id for c in covers}
    ids |= {c.replaced_id for c in covers if c.replaced_id}
    names = _names(ids)
    leads = services.may_lead(request.user, team)
    technicians = technicians_of(team)
    in_rota = any(m.user_id == request.user.pk for r in rotas for m in r.members.all())
    asks = has_role(request.user, Role.TECHNICIAN) and in_rota
    context: dict[str, object] = {
        "team": team,
        "rotas": [
            {"rota": rota, "weeks": _weeks(rota, names), "day": DAYS[rota.handover_weekday]} for rota in rotas
        ],
        "covers": covers,
        "leads": leads,
        "me": request.user.pk,
        "error": forms.get("error"),
    }
    # A form sent back with its errors is shown whoever sent it (nothing the user typed is lost).
    if (leads and rotas) or "override_form" in forms:
        context["override_form"] = forms.get("override_form") or OverrideForm(
            team=team, people=technicians, initial={"rota": rotas[0].pk}
        )
    if (asks and rotas) or "swap_form" in forms:
        context["swap_form"] = forms.get("swap_form") or SwapForm(
            team=team, people=technicians.exclude(pk=request.user.pk), initial=_swap_initial(request, rotas)
        )
    return render(request, "oncall/team.html", context, status=status)


def _team_url(team: Team) -> str:
    return reverse("oncall:team", args=[team.pk])


def _refused(form, error: ValidationError) -> None:
    for field, errors in error.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@require_GET
@role_required(*READERS)
def team(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _team(request, pk))


@require_POST
@role_required(*READERS)
def override(request: HttpRequest, pk: int) -> HttpResponse:
    team = _team(request, pk)
    if not services.may_lead(request.user, team):
        raise PermissionDenied
    form = OverrideForm(request.POST, team=team, people=technicians_of(team))
    if form.is_valid():
        try:
            services.override_set(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _refused(form, error)
        else:
            messages.success(request, _("Override set."))
            return redirect(_team_url(team))
    return _page(request, team, 400, override_form=form)


@require_POST
@role_required(Role.TECHNICIAN)
def swap(request: HttpRequest, pk: int) -> HttpResponse:
    team = _team(request, pk)
    form = SwapForm(request.POST, team=team, people=technicians_of(team).exclude(pk=request.user.pk))
    if form.is_valid():
        try:
            services.swap_request(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _refused(form, error)
        else:
            messages.success(request, _("Swap asked: the team's leader approves or refuses it."))
            return redirect(_team_url(team))
    return _page(request, team, 400, swap_form=form)


def _cover(request: HttpRequest, pk: int) -> RotaCover:
    try:
        return selectors.cover_get_for_user(user=request.user, pk=id_parse(str(pk)) or 0)
    except RotaCover.DoesNotExist:
        raise Http404 from None


@require_POST
@role_required(*READERS)
def cover_decide(request: HttpRequest, pk: int) -> HttpResponse:
    cover = _cover(request, pk)
    decision = request.POST.get("decision")
    if decision not in ("approve", "refuse"):
        return _page(request, cover.rota.team, 400, error=_("Approve or refuse."))
    try:
        services.swap_decide(actor=request.user, cover=cover, approve=decision == "approve")
    except PermissionDenied as error:
        return _page(request, cover.rota.team, 403, error=str(error) or _("Not yours to decide."))
    except (ValidationError, TransitionNotAllowed) as error:
        text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        return _page(request, cover.rota.team, 409, error=text)
    messages.success(request, _("Swap approved.") if decision == "approve" else _("Swap refused."))
    return redirect(_team_url(cover.rota.team))


@require_POST
@role_required(*READERS)
def cover_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    cover = _cover(request, pk)
    try:
        services.cover_withdraw(actor=request.user, cover=cover)
    except PermissionDenied as error:
        return _page(request, cover.rota.team, 403, error=str(error) or _("Not yours to withdraw."))
    except TransitionNotAllowed as error:
        return _page(request, cover.rota.team, 409, error=str(error))
    messages.success(request, _("Cover withdrawn."))
    return redirect(_team_url(cover.rota.team))


def _rota_form(request: HttpRequest, team: Team, rota: Rota | None) -> HttpResponse:
    if not services.may_lead(request.user, team):
        raise PermissionDenied
    initial: dict[str, object] = {"starts_on": timezone.localdate()}
    if rota is not None:
        initial = {"name": rota.name, "handover_weekday": rota.handover_weekday,
                   "handover_time": rota.handover_time, "starts_on": rota.starts_on}  # fmt: skip
    form = RotaForm(request.POST or None, team=team, rota=rota, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.rota_save(actor=request.user, team=team, rota=rota, **form.save_kwargs())
            except ValidationError as error:
                _refused(form, error)
            else:
                messages.success(request, _("Rota saved."))
                return redirect(_team_url(team))
        status = 400
    return render(request, "oncall/rota_form.html", {"form": form, "team": team, "rota": rota}, status=status)


@require_http_methods(["GET", "POST"])
@role_required(*READERS)
def rota_new(request: HttpRequest, pk: int) -> HttpResponse:
    return _rota_form(request, _team(request, pk), None)


@require_http_methods(["GET", "POST"])
@role_required(*READERS)
def rota_edit(request: HttpRequest, pk: int) -> HttpResponse:
    number = id_parse(str(pk))
    try:
        rota = selectors.rota_get_for_user(user=request.user, pk=number or 0)
    except Rota.DoesNotExist:
        raise Http404 from None
    return _rota_form(request, rota.team, rota)
