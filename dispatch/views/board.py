"""The operator's live board, the incoming call's screen, and the supervisor's desk."""

from dataclasses import dataclass

import django_filters
from django import forms
from django.conf import settings
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince
from django.utils.timezone import get_current_timezone, localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_GET, require_http_methods

from clocks.choices import ClockState, Metric
from clocks.selectors import CaseClock, case_clocks_pressing
from dispatch import selectors, services
from dispatch.board import Board, board_for_user, board_interventions_for_user
from dispatch.choices import InterventionStatus, Priority, Role
from dispatch.filters import BOARD_ORDER_LABELS, BoardFilter
from dispatch.roles import has_role
from dispatch.timing import seconds_between
from dispatch.views.board_groups import call_incidents, grouped_rows_html
from dispatch.views.common import ALL_ROLES, STAFF, request_workstation_preference, role_required
from notifications.selectors import (
    notification_list_failed,
)
from telecontrol.choices import BadgeState
from telecontrol.selectors import PlantBadge, plant_badge_condition, plant_badges


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


class BoardPageFilter(BoardFilter):
    """The board's filters and the plant's live state, which telecontrol knows: its badge, decided
    in the database (``plant_badge_condition``), so the filter costs the same for 10 plants or
    10,000 and the badges are computed for the rows shown only."""

    plant_state = django_filters.MultipleChoiceFilter(
        choices=BadgeState.choices, label=gettext_lazy("Plant state"), method="plant_state_filter",
        widget=forms.CheckboxSelectMultiple, distinct=False,
    )  # fmt: skip

    def plant_state_filter(self, queryset, name, value):
        return queryset.filter(plant_badge_condition(states=value, plant="plant"))


def _board_filter(request, data: MultiValueDict) -> BoardPageFilter:
    return BoardPageFilter(data, queryset=board_interventions_for_user(user=request.user), request=request)


def _kept(data: MultiValueDict) -> dict[str, list[str]]:
    """What a user's ``board_filters`` keeps of a valid submission: each filter's values."""
    names = set(BoardPageFilter.base_filters) - {"sort"}
    return {name: values for name in sorted(names) if (values := [v for v in data.getlist(name) if v])}


def _saved_filter(request) -> tuple[BoardPageFilter, list[str]]:
    """The user's saved filters and order, bound and checked. A saved value that no longer
    holds (a technician who left, a customer gone) is dropped, and named, rather than failing."""
    preference = request_workstation_preference(request)
    saved = preference.board_filters if isinstance(preference.board_filters, dict) else {}
    data = MultiValueDict(
        {str(k): [str(v) for v in (vs if isinstance(vs, list) else [vs])] for k, vs in saved.items()}
    )
    if preference.board_sort:
        data.setlist("sort", [preference.board_sort])
    filterset = _board_filter(request, data)
    if filterset.is_valid():
        return filterset, []
    dropped = [str(f.label) for name, f in filterset.filters.items() if name in filterset.errors]
    for name in filterset.errors:
        data.pop(name, None)
    filterset = _board_filter(request, data)
    filterset.is_valid()
    return filterset, dropped


def _filter_controls(filterset: BoardPageFilter) -> list[dict]:
    """The filter form's fields as plain values for the page to print: Django's widgets render a
    template per checkbox and option, a tenth of the board page's time."""
    controls = []
    for bound in filterset.form:
        field, value = bound.field, bound.value()
        selected = {str(v) for v in value} if isinstance(value, list | tuple) else {str(value or "")}
        control = {"name": bound.html_name, "id": bound.auto_id, "label": str(bound.label)}
        control["value"] = value or ""
        if bound.is_hidden:
            control["kind"] = "hidden"
        elif isinstance(field.widget, forms.CheckboxSelectMultiple):
            control["kind"] = "checkboxes"
        elif hasattr(field, "choices"):
            control["kind"] = "select"
        else:
            control["kind"] = "text"
            control["maxlength"] = getattr(field, "max_length", None) or ""
        if control["kind"] in ("checkboxes", "select"):
            control["options"] = [
                {"value": str(key), "label": str(label), "selected": str(key) in selected}
                for key, label in field.choices
            ]
        controls.append(control)
    return controls


def _active_filters(filterset: BoardPageFilter) -> list[tuple[str, str]]:
    """Each filter in use, as label and values: the board says what it leaves out."""
    active = []
    for name, value in filterset.form.cleaned_data.items():
        if name == "sort" or value in (None, "", []):
            continue
        field = filterset.form.fields[name]
        if isinstance(value, list):
            labels = {str(key): label for key, label in field.choices}
            text = ", ".join(str(labels.get(v, v)) for v in value)
        elif hasattr(value, "pk"):
            text = field.label_from_instance(value)
        elif value == getattr(field, "null_value", None):
            text = str(field.null_label)
        else:
            text = str(value)
        active.append((str(field.label), text))
    return active


@dataclass(frozen=True)
class BoardRow:
    """One intervention as the board prints it, prepared here (and written by ``_rows_html``):
    a template loop over a few hundred rows costs a multiple of this when it resolves
    attributes, runs filters or includes templates itself."""

    pk: int
    url: str
    priority: int
    priority_label: str
    status: str
    status_label: str
    plant: str
    municipality: str
    badge_state: str
    badge_label: str
    badge_title: str
    technician: str
    opened_at: str
    # The technician's id: the cell's "SMS" and "Email" open the compose form (issue 20).
    technician_id: int | None
    open_for: str
    caller: str
    summary: str
    # Critical and waiting for a technician on site: when they must be there, and whether late.
    due_by: str = ""
    overdue: bool = False
    # The case's most pressing service-level clock (clocks app): its state and what it says.
    clock_state: str = ""
    clock_text: str = ""


@dataclass(frozen=True)
class CallRow:
    """A call in progress as the board prints it, prepared here for the same reason as ``BoardRow``."""

    pk: int
    url: str
    received: str
    received_iso: str
    ago: str
    number: str
    line: str
    plant: str
    operator: str
    incident: str = ""  # the title of the major incident the call is attached to


def _call_rows(board: Board) -> list[CallRow]:
    detail = reverse("dispatch:call-detail", args=[0]).removesuffix("0/")
    incidents = call_incidents([call.pk for call in board.calls])
    return [
        CallRow(
            pk=call.pk,
            url=f"{detail}{call.pk}/",
            received=f"{localtime(call.received_at):%H:%M}",
            received_iso=call.received_at.isoformat(),
            ago=timesince(call.received_at, board.now),
            number=call.caller_number,
            line=call.line,
            plant=f"{call.plant.code} {call.plant.name}" if call.plant else "",
            operator=call.operator.username if call.operator else "",
            incident=incidents.get(call.pk, ""),
        )
        for call in board.calls
    ]


def _duration_short(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 60:
        return _("%(minutes)d min") % {"minutes": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return _("%(hours)d h %(minutes)02d min") % {"hours": hours, "minutes": minutes}
    return _("%(days)d days") % {"days": hours // 24}


def _badge_titles(badges: dict[int, PlantBadge]) -> dict[int, str]:
    """Each badge's tooltip, as templates/dispatch/_plant_badge.html writes it."""
    data_from, titles = _("data from"), {}
    for plant_id, badge in badges.items():
        parts = [f"{data_from} {localtime(badge.observed_at):%d/%m %H:%M:%S}"] if badge.observed_at else []
        titles[plant_id] = " · ".join([*parts, badge.detail] if badge.detail else parts)
    return titles


def _clock_texts() -> tuple[dict[str, str], dict[str, str]]:
    """The board's words for a clock's state and metric, made plain strings once."""
    templates: dict[str, str] = {
        ClockState.BREACHED: _("%(metric)s late, was due %(time)s"),
        ClockState.AMBER: _("%(metric)s due %(time)s, close"),
        ClockState.RUNNING: _("%(metric)s due %(time)s"),
        ClockState.PAUSED: _("%(metric)s paused"),
    }
    return templates, {metric: str(label) for metric, label in Metric.choices}


def _clock_text(texts: tuple[dict[str, str], dict[str, str]], clock: CaseClock | None, now) -> str:
    if clock is None:
        return ""
    templates, metrics = texts
    zone = get_current_timezone()
    due, today = clock.due_at.astimezone(zone), now.astimezone(zone).date()
    when = f"{due:%H:%M}" if due.date() == today else f"{due:%d/%m %H:%M}"
    return templates[clock.state] % {"metric": metrics[clock.metric], "time": when}


def _board_rows(
    board: Board, badges: dict[int, PlantBadge], clocks: dict[int, CaseClock] | None = None
) -> list[BoardRow]:
    # Labels made plain strings once: a lazy one is translated again each time it is printed.
    priorities = {value: str(label) for value, label in Priority.choices}
    statuses = {value: str(label) for value, label in InterventionStatus.choices}
    detail = reverse("dispatch:intervention-detail", args=[0]).removesuffix("0/")
    # plant_badges answers for every plant asked (``unknown`` without telecontrol data).
    shown = {i.plant_id: badges[i.plant_id] for i in board.interventions}
    titles = _badge_titles(shown)
    clocks, texts = clocks or {}, _clock_texts()
    rows = []
    for item in board.interventions:
        summary = item.summary
        clock = clocks.get(item.pk)
        badge = shown[item.plant_id]
        deadline = board.deadlines.get(item.pk)
        rows.append(
            BoardRow(
                pk=item.pk,
                url=f"{detail}{item.pk}/",
                priority=item.priority,
                priority_label=priorities.get(item.priority, ""),
                status=item.status,
                status_label=statuses.get(item.status, item.status),
                plant=item.plant_code,
                municipality=item.plant_municipality,
                badge_state=badge.state,
                badge_label=badge.label,
                badge_title=titles[item.plant_id],
                technician=item.technician_name,
                technician_id=item.technician_id,
                opened_at=item.opened_at.isoformat(),
                open_for=_duration_short(seconds_between(item.opened_at, board.now)),
                caller=item.caller_number or "",
                summary=summary if len(summary) <= 80 else summary[:79] + "…",
                due_by=f"{localtime(deadline):%H:%M}" if deadline else "",
                overdue=deadline is not None and deadline < board.now,
                clock_state=clock.state if clock is not None else "",
                clock_text=_clock_text(texts, clock, board.now),
            )
        )
    return rows


# One row of the board's table. Written here rather than in _board_rows.html: the template
# engine spends ~60 µs a row on its 25 lookups and tests, half the board's rendering; this costs a
# tenth of it. Every value goes through ``escape``.
_ROW = (
    '<tr class="priority-{priority} status-{status}{overdue_class}{clock_class}">'
    '<td><a id="board-iv-{pk}" href="{url}">{pk}</a></td><td>{priority_label}</td>'
    '<td class="status">{status_label}</td><td>{plant} <span class="muted">{municipality}</span></td>'
    '<td><span class="badge badge-{badge_state}"{badge_title}>{badge_label}</span></td>'
    "<td>{technician}{compose}</td><td>{open_for}</td><td>{caller}</td><td>{summary}</td></tr>\n"
)


# Clock states that colour the whole row (the rest only say so in the cell).
LOUD_CLOCKS = frozenset({ClockState.AMBER, ClockState.BREACHED})


def _rows_html(rows: list[BoardRow]) -> str:
    not_assigned = f'<span class="muted">{escape(_("not assigned"))}</span>'
    call, overdue, due_by = pgettext("verb: phone this number", "Call"), _("Overdue"), _("on site by")
    flag = f' <strong class="overdue-flag"><span aria-hidden="true">⚠</span> {escape(overdue)}</strong>'
    sms, email, to = escape(_("SMS")), escape(_("Email")), escape(_("Write to %(name)s"))
    html: list[tuple[int, str]] = []
    for row in rows:
        compose = ""
        if row.technician_id is not None:
            # The compose form's own address (notifications app), beside the name.
            write = f"{escape(row.url)}messages/new/?to=technician-{row.technician_id}&amp;channel="
            label = to % {"name": escape(row.technician)}
            compose = (
                f' <span class="compose-links" role="group" aria-label="{label}">'
                f'<a id="board-sms-{row.pk}" href="{write}sms">{sms}</a> '
                f'<a id="board-email-{row.pk}" href="{write}email">{email}</a></span>'
            )
        open_for = f'<time datetime="{escape(row.opened_at)}">{escape(row.open_for)}</time>'
        if row.overdue:
            open_for += f'{flag} <span class="due-by">({escape(due_by)} {escape(row.due_by)})</span>'
        elif row.due_by:
            open_for += f' <span class="due-by">{escape(due_by)} {escape(row.due_by)}</span>'
        if row.clock_text:
            open_for += (
                f' <span class="clock clock-{escape(row.clock_state)}">{escape(row.clock_text)}</span>'
            )
        caller = (
            f'<a class="phone" id="board-tel-{row.pk}" href="tel:{escape(row.caller)}" '
            f'aria-label="{escape(call)} {escape(row.caller)}"><span aria-hidden="true">☎</span> '
            f"{escape(row.caller)}</a>"
            if row.caller
            else "—"
        )
        html.append((row.pk,
            _ROW.format(
                priority=row.priority,
                status=escape(row.status),
                overdue_class=" overdue" if row.overdue else "",
                clock_class=f" clock-{escape(row.clock_state)}" if row.clock_state in LOUD_CLOCKS else "",
                pk=row.pk,
                url=escape(row.url),
                priority_label=escape(row.priority_label),
                status_label=escape(row.status_label),
                plant=escape(row.plant),
                municipality=escape(row.municipality),
                badge_state=escape(row.badge_state),
                badge_title=f' title="{escape(row.badge_title)}"' if row.badge_title else "",
                badge_label=escape(row.badge_label),
                technician=escape(row.technician) if row.technician else not_assigned,
                compose=compose,
                open_for=open_for,
                caller=caller,
                summary=escape(row.summary),
            )  # fmt: skip
        ))  # fmt: skip
    # A major incident's interventions go under its row (issue 19: dispatch/views/board_groups.py).
    return mark_safe(grouped_rows_html(html))  # noqa: S308 - built from escaped values above


def _board_context(request) -> dict:
    filterset, dropped = _saved_filter(request)
    order = filterset.order
    board = board_for_user(user=request.user, interventions=filterset.qs, order=order)
    badges = plant_badges(plant_ids={i.plant_id for i in board.interventions}, now=board.now)
    clocks = case_clocks_pressing([i.pk for i in board.interventions], now=board.now)
    return {
        "board": board,
        "rows_html": _rows_html(_board_rows(board, badges, clocks)),
        "call_rows": _call_rows(board),
        "call_label": pgettext("verb: phone this number", "Call"),
        # Looked up once, not once per row.
        "withheld": _("withheld"),
        "not_identified": _("not identified"),
        "filter": filterset,
        "filters_active": _active_filters(filterset),
        "filters_dropped": dropped,
        "sort": order,
        "sort_label": BOARD_ORDER_LABELS[order],
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


@require_http_methods(["GET", "POST"])
@role_required(*STAFF)
def board(request):
    """The operator's live board: open interventions (most urgent first unless the user chose
    another order), calls in progress. Its body refreshes itself (htmx polls ``board_rows``).

    Filters and order are the user's own and kept: the filter form and the columns' order
    buttons POST them here, where they are checked, saved and the board shown again (a GET never
    changes them: a link cannot hide the critical interventions from an operator); ``reset``
    forgets them. A value that is not offered is a 400 that says which, never a board silently
    showing everything."""
    if request.method == "POST":
        if "reset" in request.POST:
            services.workstation_preference_set(user=request.user, board_filters={}, board_sort="")
            return redirect("dispatch:board")
        data = request.POST.copy()
        if data.get("order"):
            data.setlist("sort", [data["order"]])
        filterset = _board_filter(request, data)
        if not filterset.is_valid():
            context = {
                "filter": filterset,
                "filter_controls": _filter_controls(filterset),
                "refresh_seconds": settings.PRONTO_BOARD_REFRESH_SECONDS,
            }
            return render(request, "dispatch/board.html", context, status=400)
        services.workstation_preference_set(
            user=request.user, board_filters=_kept(data), board_sort=filterset.order
        )
        return redirect("dispatch:board")
    context = _board_context(request)
    # The form only on the page: the refresh (board_rows) replaces #board, not the form.
    context["filter_controls"] = _filter_controls(context["filter"])
    return render(request, "dispatch/board.html", context)


@require_GET
@role_required(*STAFF)
def board_rows(request):
    """The board's body alone, for its refresh: with the user's saved filters and order."""
    return render(request, "dispatch/_board_rows.html", _board_context(request))
