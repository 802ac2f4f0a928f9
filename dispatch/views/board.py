"""The operator's live board, the incoming call's screen, and the supervisor's desk."""

from dataclasses import dataclass

from django.conf import settings
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET

from dispatch import selectors
from dispatch.choices import InterventionStatus, Priority, Role
from dispatch.roles import has_role
from dispatch.timing import seconds_between
from dispatch.views.common import ALL_ROLES, STAFF, role_required
from notifications.selectors import (
    notification_list_failed,
)


@require_GET
@role_required(*ALL_ROLES)
def home(request):
    if has_role(request.user, *STAFF):
        return redirect("dispatch:board")
    if has_role(request.user, Role.TECHNICIAN):
        return redirect("dispatch:m-list")
    if has_role(request.user, Role.UTILITY):
        return redirect("reports:service-levels")
    return redirect("dispatch:intervention-list")


@dataclass(frozen=True)
class BoardRow:
    """One intervention as the board prints it, prepared here: the template loop over a few
    hundred rows costs a multiple of this when it resolves attributes and runs filters itself."""

    pk: int
    url: str
    priority: int
    priority_label: str
    status: str
    status_label: str
    plant: str
    municipality: str
    technician: str
    opened_at: str
    open_for: str
    caller: str
    summary: str


def _duration_short(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 60:
        return _("%(minutes)d min") % {"minutes": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return _("%(hours)d h %(minutes)02d min") % {"hours": hours, "minutes": minutes}
    return _("%(days)d days") % {"days": hours // 24}


def _board_rows(board) -> list[BoardRow]:
    priorities, statuses = dict(Priority.choices), dict(InterventionStatus.choices)
    detail = reverse("dispatch:intervention-detail", args=[0]).removesuffix("0/")
    rows = []
    for intervention in board.interventions:
        technician = intervention.technician
        summary = intervention.summary
        rows.append(
            BoardRow(
                pk=intervention.pk,
                url=f"{detail}{intervention.pk}/",
                priority=intervention.priority,
                priority_label=str(priorities.get(intervention.priority, "")),
                status=intervention.status,
                status_label=statuses.get(intervention.status, intervention.status),
                plant=intervention.plant.code,
                municipality=intervention.plant.municipality,
                technician=(technician.get_full_name() or technician.username) if technician else "",
                opened_at=intervention.opened_at.isoformat(),
                open_for=_duration_short(seconds_between(intervention.opened_at, board.now)),
                caller=intervention.call.caller_number if intervention.call else "",
                summary=summary if len(summary) <= 80 else summary[:79] + "…",
            )
        )
    return rows


def _board_context(request) -> dict:
    board = selectors.board_for_user(user=request.user)
    return {
        "board": board,
        "rows": _board_rows(board),
        # Looked up once, not once per row.
        "not_assigned": _("not assigned"),
        "call_label": pgettext("verb: phone this number", "Call"),
        "state_counts": [
            (label, board.counts[value])
            for value, label in InterventionStatus.choices
            if value in board.counts
        ],
        "more": board.total - len(board.interventions),
        "list_url": reverse("dispatch:intervention-list"),
        "refresh_seconds": settings.PRONTO_BOARD_REFRESH_SECONDS,
    }


OPENED_CALLS_KEY = "pronto_calls_opened"


def call_opened_once(request, pk: int) -> bool:
    """Remember in the session that this operator has seen call ``pk``; False if seen before."""
    opened = request.session.get(OPENED_CALLS_KEY, [])
    if pk in opened:
        return False
    request.session[OPENED_CALLS_KEY] = [*opened[-49:], pk]
    return True


@require_GET
@role_required(*ALL_ROLES)
def call_status(request, pk):
    """The call's times as the phone system reports them, refreshed on the call screen."""
    call = selectors.call_get_for_user(user=request.user, pk=pk)
    return render(request, "dispatch/_call_status.html", {"call": call})


@require_GET
@role_required(Role.SUPERVISOR)
def desk(request):
    """The supervisor's desk: what waits for their close, and the messages no gateway took."""
    return render(
        request,
        "dispatch/desk.html",
        {
            "awaiting": selectors.interventions_awaiting_closure(user=request.user),
            "failed": notification_list_failed(limit=50),
        },
    )


@require_GET
@role_required(*STAFF)
def board(request):
    """The operator's live board: open interventions by priority and age, calls in progress.
    Its body refreshes itself (htmx polls ``board_rows``)."""
    return render(request, "dispatch/board.html", _board_context(request))


@require_GET
@role_required(*STAFF)
def board_rows(request):
    """The board's body alone, for its refresh."""
    return render(request, "dispatch/_board_rows.html", _board_context(request))
