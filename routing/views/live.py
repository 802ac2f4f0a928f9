"""The router's live pages: the supervisors' wallboard, the strip on the operator's console (their
own state, the queues), and the abandoned calls to call back. Operators and supervisors only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from datetime import datetime, timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from dispatch.errors import TransitionNotAllowed
from dispatch.views.common import STAFF, role_required
from incidents.selectors.pages import wallboard_incidents
from routing import selectors
from routing.choices import OperatorState, PauseReason
from routing.models import OperatorProfile
from routing.services.abandoned import abandoned_call_back
from routing.services.operators import operator_state_choose
from routing.states import operator_is_free

# How often the wallboard and the console strip ask again (seconds): a wall screen must show a
# caller joining the queue at once, and the fragment costs a handful of queries.
WALLBOARD_REFRESH_SECONDS = 2
STRIP_REFRESH_SECONDS = 3


def duration_text(seconds: int) -> str:
    """``m:ss`` under an hour, ``h:mm:ss`` above: readable from across the room."""
    minutes, secs = divmod(max(0, int(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@dataclass(frozen=True)
class OperatorRow:
    name: str
    state: str
    state_label: str
    reason: str
    since: str
    since_iso: str
    for_text: str
    team: str


def _effective_state(profile: OperatorProfile, now: datetime) -> tuple[str, datetime]:
    """A wrap-up that has run out counts as available from its end, as the router counts it."""
    if profile.state == OperatorState.WRAP_UP and operator_is_free(profile, now) and profile.wrap_up_until:
        return OperatorState.AVAILABLE, profile.wrap_up_until
    return profile.state, profile.state_since


def _operator_row(profile: OperatorProfile, now: datetime) -> OperatorRow:
    state, since = _effective_state(profile, now)
    return OperatorRow(
        name=profile.user.get_full_name() or profile.user.username,
        state=state,
        state_label=str(OperatorState(state).label),
        reason=profile.get_pause_reason_display() if state == OperatorState.PAUSED else "",
        since=f"{timezone.localtime(since):%H:%M}",
        since_iso=since.isoformat(),
        for_text=duration_text(round((now - since).total_seconds())),
        team=profile.team.name if profile.team else "",
    )


def _wallboard_context() -> dict:
    board = selectors.wallboard()
    now = board.at
    operators = sorted(
        (_operator_row(profile, now) for profile in board.operators),
        key=lambda row: (OperatorState.values.index(row.state), row.name.lower()),
    )
    lines = [
        {
            "line": line.line,
            "offered": line.offered,
            "answered": line.answered,
            "in_target": line.answered_in_target,
            "share": None if line.share_in_target is None else round(100 * line.share_in_target),
        }
        for line in board.lines
    ]
    offered = sum(line.offered for line in board.lines)
    incidents = wallboard_incidents(now=now)
    in_target = sum(line.answered_in_target for line in board.lines)
    return {
        "board": board,
        "queues": [
            {"name": q.name, "waiting": q.waiting, "longest": duration_text(q.longest_wait_seconds)}
            for q in board.queues
        ],
        "waiting_total": sum(q.waiting for q in board.queues),
        "states": [(value, label, board.states.get(value, 0)) for value, label in OperatorState.choices],
        "operators": operators,
        "lines": lines,
        "total_share": round(100 * in_target / offered) if offered else None,
        "total_in_target": in_target,
        "total_offered": offered,
        "target_seconds": selectors.ANSWER_TARGET_SECONDS,
        "refresh_seconds": WALLBOARD_REFRESH_SECONDS,
        # Issue 19: the open major incidents (and those resolved in the last day), one tile.
        "incidents": incidents,
        "incidents_open": sum(1 for incident in incidents if incident.state == "open"),
    }


@require_GET
@role_required(*STAFF)
def wallboard(request):
    """The wall screen: calls waiting per queue, operators by state, answered within 120 s today
    per line, abandoned today. Its body refreshes itself (htmx polls ``wallboard_live``)."""
    return render(request, "routing/wallboard.html", _wallboard_context())


@require_GET
@role_required(*STAFF)
def wallboard_live(request):
    """The wallboard's body alone, for its refresh."""
    return render(request, "routing/_wallboard_live.html", _wallboard_context())


# ----------------------------------------------------------------------------------------------
# The console strip


def _strip_context(request, *, notice: str = "", error: str = "") -> dict:
    now = timezone.now()
    profile = selectors.operator_profile_get(request.user)
    queues = selectors.queue_figures(now=now)
    waiting = [q for q in queues if q.waiting]
    if profile is None:
        me = {"state": OperatorState.SIGNED_OFF, "label": OperatorState.SIGNED_OFF.label, "reason": ""}
    else:
        state, since = _effective_state(profile, now)
        me = {
            "state": state,
            "label": OperatorState(state).label,
            "reason": profile.get_pause_reason_display() if state == OperatorState.PAUSED else "",
            "since": f"{timezone.localtime(since):%H:%M}",
            "since_iso": since.isoformat(),
        }
    return {
        "me": me,
        "queues": [
            {"name": q.name, "waiting": q.waiting, "longest": duration_text(q.longest_wait_seconds)}
            for q in waiting
        ],
        "waiting_total": sum(q.waiting for q in waiting),
        "longest": duration_text(max((q.longest_wait_seconds for q in waiting), default=0)),
        "reasons": [(value, label) for value, label in PauseReason.choices if value != PauseReason.NO_ANSWER],
        "next": _next_path(request),
        "notice": notice,
        "error": error,
        "refresh_seconds": STRIP_REFRESH_SECONDS,
    }


def _next_path(request) -> str:
    """Where to go back to after a change without htmx: the page it came from, on this site."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("dispatch:board")


@require_GET
@role_required(*STAFF)
def console_strip(request):
    """The operator's own state with its buttons, and the queues' waiting calls: the board
    includes it (a routing URL, so dispatch does not import routing). Reads only."""
    return render(request, "routing/_console_strip.html", _strip_context(request))


@require_POST
@role_required(*STAFF)
def console_state(request):
    """The strip's buttons: available, paused (with a reason) or signed off, through
    ``operator_state_choose``. A refused change (on a call, no reason) is said, never a 500."""
    state, reason = request.POST.get("state", ""), request.POST.get("reason", "")
    error = notice = ""
    try:
        profile = operator_state_choose(actor=request.user, state=state, reason=reason)
    except ValidationError as exc:
        error = " ".join(exc.messages)
    except (TransitionNotAllowed, PermissionDenied) as exc:
        error = str(exc) or _("You may not change your state now.")
    else:
        notice = _("Your state is now: %(state)s.") % {"state": profile.get_state_display()}
    if request.headers.get("HX-Request") == "true":
        return render(
            request, "routing/_console_strip.html", _strip_context(request, notice=notice, error=error)
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, notice)
    return redirect(_next_path(request))


# ----------------------------------------------------------------------------------------------
# Abandoned calls


class AbandonedDayForm(forms.Form):
    day = forms.DateField(
        label=gettext_lazy("Day"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


def _day_bounds(day: dt.date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, dt.time.min))
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), dt.time.min))


@require_GET
@role_required(*STAFF)
def abandoned(request):
    """Callers who hung up while waiting, on one day (today unless asked), newest first: number,
    class, queue, wait, time, and whether someone calls them back."""
    form = AbandonedDayForm(request.GET or None)
    today = timezone.localdate()
    status = 200
    day = today
    if form.is_bound:
        if form.is_valid():
            day = form.cleaned_data["day"] or today
        else:
            status = 400
    since, until = _day_bounds(day)
    rows = [
        {"route": route, "wait": duration_text(selectors.route_wait_seconds(route))}
        for route in selectors.abandoned_calls(since=since, until=until)[:500]
    ]
    context = {
        "form": form,
        "day": day,
        "is_today": day == today,
        "rows": rows,
        "day_query": "" if day == today else day.isoformat(),
    }
    return render(request, "routing/abandoned.html", context, status=status)


@require_POST
@role_required(*STAFF)
def abandoned_callback(request, pk: int):
    """The "call back" button: a callback due now on the abandoned call (``abandoned_call_back``)."""
    try:
        callback = abandoned_call_back(actor=request.user, route_id=pk)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("Callback to %(number)s scheduled: it is due now.") % {"number": callback.number}
        )
    target = reverse("routing:abandoned")
    day = AbandonedDayForm(request.POST)
    if day.is_valid() and day.cleaned_data["day"] and day.cleaned_data["day"] != timezone.localdate():
        target += f"?day={day.cleaned_data['day'].isoformat()}"
    return redirect(target)
