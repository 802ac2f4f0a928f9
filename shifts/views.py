"""The shifts' pages: a team's month (operators read their own teams'; supervisors and the
team's leader generate it from a pattern and edit its cells), who is on shift now, and the
hours under a line's minimum."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from urllib.parse import urlencode

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
from dispatch.inputs import id_parse
from dispatch.roles import has_role
from dispatch.views.common import STAFF, role_required
from routing.models import Line
from shifts import selectors, services
from shifts.forms import (
    WEEKDAYS,
    CoverageForm,
    GenerateForm,
    MinimumForm,
    PatternForm,
    RosterQueryForm,
    ShiftForm,
)
from shifts.models import LineCoverageMinimum, Shift, ShiftPattern
from shifts.wallclock import local
from teams.choices import MemberRole
from teams.models import Team


def _roster_url(team: Team | None, year: int, month: int) -> str:
    query = {"month": f"{year:04d}-{month:02d}"}
    if team is not None:
        query["team"] = str(team.pk)
    return reverse("shifts:roster") + "?" + urlencode(query)


def _clock(at: datetime) -> str:
    """09 for 09:00, 09:30 as it is: the grid has 31 columns to fit."""
    return f"{at:%H}" if at.minute == 0 else f"{at:%H:%M}"


def _cell(shift: Shift) -> dict[str, object]:
    starts, ends = local(shift.starts_at), local(shift.ends_at)
    return {
        "shift": shift,
        "hours": f"{_clock(starts)}–{_clock(ends)}",
        "overnight": shift.overnight,
        "real_hours": round(shift.real_minutes / 60, 1),
    }


@require_GET
@role_required(*STAFF)
def roster(request: HttpRequest) -> HttpResponse:
    """The grid of a team's month: people down, days across, each cell its shift's hours (a
    night marked); weekends and the centre's public holidays shaded (worked all the same)."""
    teams = selectors.teams_visible_to(user=request.user)
    form = RosterQueryForm(request.GET or None, teams=teams)
    today = timezone.localdate()
    year, month, team = today.year, today.month, None
    status = 200
    if form.is_bound and not form.is_valid():
        status = 400
    elif form.is_bound:
        team = form.cleaned_data["team"]
        year, month = form.cleaned_data["month"] or (year, month)
    team = team or teams.first()
    context: dict[str, object] = {"form": form, "team": team, "year": year, "month": month}
    if team is not None:
        grid = selectors.roster(team=team, year=year, month=month)
        holidays = selectors.public_holidays(grid.days)
        rows = [
            {"user": row.user, "cells": [{"day": day, "shifts": [_cell(s) for s in cell]}
                                         for day, cell in zip(grid.days, row.cells, strict=True)]}
            for row in grid.rows
        ]  # fmt: skip
        context.update(
            days=[{"day": d, "weekend": d.weekday() >= 5, "holiday": holidays.get(d, "")} for d in grid.days],
            rows=rows,
            can_edit=services.may_edit_roster(request.user, team),
            generate_form=GenerateForm(initial={"team": team.pk, "month": f"{year:04d}-{month:02d}"}),
            previous=_roster_url(team, *((year, month - 1) if month > 1 else (year - 1, 12))),
            following=_roster_url(team, *((year, month + 1) if month < 12 else (year + 1, 1))),
        )
    form.fields["month"].initial = f"{year:04d}-{month:02d}"
    return render(request, "shifts/roster.html", context, status=status)


@require_POST
@role_required(*STAFF)
def generate(request: HttpRequest) -> HttpResponse:
    form = GenerateForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(reverse("shifts:roster"))
    team, (year, month) = form.cleaned_data["team"], form.cleaned_data["month"]
    if not services.may_edit_roster(request.user, team):
        raise PermissionDenied
    try:
        result = services.roster_generate(
            actor=request.user, team=team, year=year, month=month, pattern=form.cleaned_data["pattern"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(created)s shifts generated, %(replaced)s replaced, %(kept)s days kept as they were.")
            % result.__dict__,
        )
    return redirect(_roster_url(team, year, month))


def _members(team: Team):
    return (
        get_user_model()
        .objects.filter(
            team_memberships__team=team, team_memberships__role=MemberRole.OPERATOR, is_active=True
        )
        .order_by("last_name", "first_name", "username")
    )


def _edit(request: HttpRequest, team: Team, shift: Shift | None, initial: dict[str, object]) -> HttpResponse:
    if not services.may_edit_roster(request.user, team):
        raise PermissionDenied
    form = ShiftForm(request.POST or None, members=_members(team), initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = services.shift_save(actor=request.user, team=team, shift=shift, **form.cleaned_data)
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("Shift saved."))
                return redirect(_roster_url(team, saved.day.year, saved.day.month))
        status = 400
    day = initial.get("day")
    if not isinstance(day, date):
        day = timezone.localdate()
    back = _roster_url(team, day.year, day.month)
    context = {"form": form, "team": team, "shift": shift, "back": back}
    return render(request, "shifts/shift_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@role_required(*STAFF)
def shift_new(request: HttpRequest) -> HttpResponse:
    """A cell's form, empty: ``?team=&user=&day=`` from the roster."""
    team_id = id_parse(request.GET.get("team") or request.POST.get("team"))
    team = selectors.teams_visible_to(user=request.user).filter(pk=team_id).first() if team_id else None
    if team is None:
        raise Http404
    initial: dict[str, object] = {"user": id_parse(request.GET.get("user")), "start": "08:00", "end": "17:00"}
    try:
        initial["day"] = date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        initial["day"] = timezone.localdate()
    return _edit(request, team, None, initial)


@require_http_methods(["GET", "POST"])
@role_required(*STAFF)
def shift_edit(request: HttpRequest, pk: int) -> HttpResponse:
    shift = _visible(request, pk)
    if shift.team is None:
        raise Http404
    starts, ends = local(shift.starts_at), local(shift.ends_at)
    initial = {
        "user": shift.user_id, "day": shift.day, "start": starts.time(), "end": ends.time(),
        "break_minutes": shift.break_minutes, "lines": list(shift.lines.all()), "note": shift.note,
    }  # fmt: skip
    return _edit(request, shift.team, shift, initial)


@require_POST
@role_required(*STAFF)
def shift_remove(request: HttpRequest, pk: int) -> HttpResponse:
    shift = _visible(request, pk)
    services.shift_delete(actor=request.user, shift=shift)
    messages.success(request, _("Shift removed."))
    return redirect(_roster_url(shift.team, shift.day.year, shift.day.month))


def _visible(request: HttpRequest, pk: int) -> Shift:
    try:
        return selectors.shift_get_for_user(user=request.user, pk=pk)
    except Shift.DoesNotExist:
        raise Http404 from None


@require_GET
@role_required(*STAFF)
def on_shift(request: HttpRequest) -> HttpResponse:
    """Who is on shift now, per team, and how many cover each line."""
    now = timezone.now()
    shifts = selectors.on_shift_now(at=now)
    teams: dict[str, list[dict[str, object]]] = {}
    for shift in shifts:
        teams.setdefault(shift.team.name if shift.team else _("No team"), []).append(_cell(shift))
    lines = [
        {"line": line, "count": sum(1 for s in shifts if not s.lines.all() or line in s.lines.all())}
        for line in Line.objects.order_by("number")
    ]
    return render(request, "shifts/now.html", {"now": now, "teams": teams, "lines": lines})


@require_GET
@role_required(*STAFF)
def coverage(request: HttpRequest) -> HttpResponse:
    """The hours of a span of local days under a line's minimum, with who is there."""
    today = timezone.localdate()
    form = CoverageForm(
        request.GET or {"date_from": today.isoformat(), "date_to": (today + timedelta(days=6)).isoformat()}
    )
    if not form.is_valid():
        return render(request, "shifts/coverage.html", {"form": form}, status=400)
    data = form.cleaned_data
    report = selectors.coverage_by_hour(
        date_from=data["date_from"], date_to=data["date_to"], line=data["line"]
    )
    rows = [
        {"hour": hour, "lines": hour.lines, "short": any(lh.short for lh in hour.lines)}
        for hour in report.hours
    ]
    context = {"form": form, "gaps": report.gaps, "rows": rows, "hours": len(report.hours)}
    return render(request, "shifts/coverage.html", context)


@require_http_methods(["GET", "POST"])
@role_required(*STAFF)
def patterns(request: HttpRequest) -> HttpResponse:
    """The patterns a month is generated from, each working day of its cycle; supervisors add
    custom ones (or change one by its code)."""
    editor = has_role(request.user, Role.SUPERVISOR)
    if request.method == "POST" and not editor:
        raise PermissionDenied
    form = PatternForm(request.POST or None) if editor else None
    status = 200
    if form is not None and request.method == "POST":
        if form.is_valid():
            try:
                pattern = services.pattern_save(actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("Pattern %(name)s saved.") % {"name": pattern.name})
                return redirect(reverse("shifts:patterns"))
        status = 400
    rows = ShiftPattern.objects.prefetch_related("days").order_by("name")
    return render(request, "shifts/patterns.html", {"patterns": rows, "form": form}, status=status)


@require_http_methods(["GET", "POST"])
@role_required(*STAFF)
def minimums(request: HttpRequest) -> HttpResponse:
    """The minimum of operators per line and hour the coverage is measured against; supervisors
    add and remove them."""
    editor = has_role(request.user, Role.SUPERVISOR)
    if request.method == "POST" and not editor:
        raise PermissionDenied
    form = MinimumForm(request.POST or None) if editor else None
    status = 200
    if form is not None and request.method == "POST":
        if form.is_valid():
            try:
                services.coverage_minimum_add(actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("Minimum added."))
                return redirect(reverse("shifts:minimums"))
        status = 400
    rows = LineCoverageMinimum.objects.select_related("line").order_by("line__number", "from_hour")
    labels = dict(WEEKDAYS)
    listed = [{"row": row, "weekdays": " ".join(str(labels[d]) for d in row.weekdays)} for row in rows]
    return render(request, "shifts/minimums.html", {"rows": listed, "form": form}, status=status)


@require_POST
@role_required(Role.SUPERVISOR)
def minimum_remove(request: HttpRequest, pk: int) -> HttpResponse:
    row = LineCoverageMinimum.objects.filter(pk=pk).first()
    if row is None:
        raise Http404
    services.coverage_minimum_remove(actor=request.user, row=row)
    messages.success(request, _("Minimum removed."))
    return redirect(reverse("shifts:minimums"))
