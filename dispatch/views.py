"""Server-rendered pages. Each view names the roles it serves; services refuse the rest anyway."""

from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_POST

from notifications.selectors import (
    notification_list_failed,
    notification_list_for_intervention,
    outbox_message_list,
)
from telecontrol.selectors import plant_check_latest_for_call, plant_faults_reported
from telecontrol.services import plant_check

from . import selectors, services
from .choices import CallType, DocumentKind, InterventionStatus, Priority, Role
from .errors import TransitionNotAllowed
from .filters import CallSearch
from .models import CallScript
from .roles import has_role
from .scripts import ScriptError
from .transitions import TRANSITIONS, transitions_available

ALL_ROLES = tuple(Role.values)
CALLS_PER_PAGE = 50
STAFF = (Role.OPERATOR, Role.SUPERVISOR)


def role_required(*roles: str):
    """Sign-in required, then one of ``roles``; anyone else gets 403."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _error_text(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items())
    return " ".join(exc.messages)


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
                priority_label=priorities.get(intervention.priority, ""),
                status=intervention.status,
                status_label=statuses.get(intervention.status, intervention.status),
                plant=intervention.plant.code,
                municipality=intervention.plant.municipality,
                technician=(technician.get_full_name() or technician.username) if technician else "",
                opened_at=intervention.opened_at.isoformat(),
                open_for=_duration_short((board.now - intervention.opened_at).total_seconds()),
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


def _call_opened(request, pk: int) -> bool:
    """Remember in the session that this operator has seen call ``pk``; False if seen before."""
    opened = request.session.get(OPENED_CALLS_KEY, [])
    if pk in opened:
        return False
    request.session[OPENED_CALLS_KEY] = [*opened[-49:], pk]
    return True


@require_GET
@role_required(*STAFF)
def calls_incoming(request):
    """Polled by every staff page: when a call rings at this operator (or they answered one)
    and their screen has not shown it yet, htmx is told to open it (``HX-Redirect``)."""
    response = HttpResponse(status=204)
    call = selectors.call_incoming_for_operator(user=request.user)
    if call is not None and _call_opened(request, call.pk):
        response["HX-Redirect"] = reverse("dispatch:call-detail", args=[call.pk])
    return response


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


@role_required(*ALL_ROLES)
def call_list(request):
    if request.method == "POST":
        if not has_role(request.user, *STAFF):
            raise PermissionDenied
        try:
            call = services.call_log(
                actor=request.user,
                caller_number=request.POST.get("caller_number", ""),
                line=request.POST.get("line", ""),
                call_type=request.POST.get("call_type", ""),
                notes=request.POST.get("notes", ""),
            )
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
            return redirect("dispatch:call-list")
        messages.success(request, _("Call logged."))
        return redirect("dispatch:call-detail", pk=call.pk)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    search = CallSearch(request.GET or None, queryset=selectors.call_list_for_user(user=request.user))
    calls = search.qs if search.is_bound and search.is_valid() else search.queryset
    if search.is_bound and not search.is_valid():
        calls = calls.none()
    page = Paginator(calls.order_by("-received_at", "-pk"), CALLS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "dispatch/call_list.html",
        {"page": page, "search": search, "query": query.urlencode(), "call_types": CallType.choices},
    )


@require_GET
@role_required(*ALL_ROLES)
def call_detail(request, pk):
    call = selectors.call_get_for_user(user=request.user, pk=pk)
    staff = has_role(request.user, *STAFF)
    if staff:
        _call_opened(request, call.pk)
    return render(
        request,
        "dispatch/call_detail.html",
        {
            "call": call,
            "events": selectors.event_list_for_subject(subject=call),
            "earlier_calls": selectors.call_list_earlier(user=request.user, call=call),
            "can_check": call.plant_id is not None and has_role(request.user, Role.OPERATOR, Role.SUPERVISOR),
            "latest_check": plant_check_latest_for_call(call=call) if call.plant_id else None,
            "callbacks": call.callbacks.order_by("due_at") if staff else None,
            "can_script": staff,
            "script_state": selectors.call_script_state(call=call) if staff else None,
            **(_call_intervention_context(call) if staff else {}),
            "call_types": dict(CallType.choices),
            "priorities": dict(Priority.choices),
        },
    )


def _call_intervention_context(call) -> dict:
    state = selectors.call_script_state(call=call)
    default = None
    if call.plant_id:
        default = services.intervention_default_priority(call_type=call.call_type, plant=call.plant)
    return {
        "call_interventions": list(call.interventions.select_related("technician").order_by("pk")),
        "suggestions": selectors.technicians_suggested(plant=call.plant) if call.plant_id else [],
        "suggested_priority": (state.suggested_priority if state else None) or default,
    }


@require_POST
@role_required(*STAFF)
def call_plant_set(request, pk):
    """Say which plant the call is about, by its code (the caller reads it off the plate)."""
    call = selectors.call_get_for_user(user=request.user, pk=pk)
    code = request.POST.get("plant_code", "").strip()
    plant = (
        selectors.plant_list_for_user(user=request.user).filter(code__iexact=code).first() if code else None
    )
    if plant is None:
        messages.error(request, _("No plant with code %(code)s.") % {"code": code or "—"})
    else:
        services.call_update(actor=request.user, call=call, plant=plant)
        messages.success(request, _("Plant set: %(plant)s.") % {"plant": plant})
    return redirect("dispatch:call-detail", pk=pk)


@require_POST
@role_required(*STAFF)
def call_intervention_open(request, pk):
    """Open an intervention from the call screen and, when one is picked, assign the technician
    at once (the summary goes out to their phone after commit)."""
    call = selectors.call_get_for_user(user=request.user, pk=pk)
    priority = request.POST.get("priority", "")
    technician_id = request.POST.get("technician", "")
    technician = (
        get_user_model().objects.filter(pk=int(technician_id)).first() if technician_id.isdigit() else None
    )
    try:
        with transaction.atomic():
            intervention = services.intervention_open(
                actor=request.user,
                call=call,
                summary=request.POST.get("summary", ""),
                priority=int(priority) if priority.isdigit() and int(priority) in Priority.values else None,
            )
            if technician_id:
                services.intervention_assign(
                    actor=request.user, intervention=intervention, technician=technician
                )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect("dispatch:call-detail", pk=pk)
    messages.success(request, _("Intervention #%(id)s opened.") % {"id": intervention.pk})
    return redirect("dispatch:intervention-detail", pk=intervention.pk)


@require_POST
@role_required(*STAFF)
def call_callback_schedule(request, pk):
    """Schedule a callback to the caller from the call page."""
    from django.utils.dateparse import parse_datetime

    call = selectors.call_get_for_user(user=request.user, pk=pk)
    due_at = parse_datetime(request.POST.get("due_at", ""))
    if due_at is not None and timezone.is_naive(due_at):
        due_at = timezone.make_aware(due_at)
    try:
        services.callback_schedule(
            actor=request.user,
            call=call,
            due_at=due_at,
            number=request.POST.get("number") or None,
            note=request.POST.get("note", ""),
            assigned_to=request.user,
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return redirect("dispatch:call-detail", pk=pk)


@require_POST
@role_required(Role.OPERATOR, Role.SUPERVISOR)
def call_plant_check(request, pk):
    """Run the live telecontrol check of the call's plant; it is stored on the call."""
    call = selectors.call_get_for_user(user=request.user, pk=pk)
    if call.plant_id is None:
        messages.error(request, _("Set the call's plant first."))
        return redirect("dispatch:call-detail", pk=pk)
    plant_check(actor=request.user, plant=call.plant, call=call)
    if request.headers.get("HX-Request") == "true":
        # Clicked on the call screen: the stored result replaces the earlier one in place.
        context = {"call": call, "latest_check": plant_check_latest_for_call(call=call), "can_check": True}
        return render(request, "dispatch/_plant_check.html", context)
    return redirect("dispatch:call-detail", pk=pk)


@require_GET
@role_required(*ALL_ROLES)
def intervention_list(request):
    interventions = selectors.intervention_list_for_user(user=request.user).not_final()
    page = Paginator(interventions, 50).get_page(request.GET.get("page"))
    return render(request, "dispatch/intervention_list.html", {"page": page})


@require_GET
@role_required(*ALL_ROLES)
def intervention_detail(request, pk):
    intervention = selectors.intervention_get_for_user(user=request.user, pk=pk)
    staff = has_role(request.user, *STAFF)
    actions = transitions_available(user=request.user, intervention=intervention)
    suggestions = []
    if any(t.action == "assign" for t in actions):
        suggestions = selectors.technicians_suggested(plant=intervention.plant)
    return render(
        request,
        "dispatch/intervention_detail.html",
        {
            "intervention": intervention,
            "actions": actions,
            "suggestions": suggestions,
            "plant_faults": plant_faults_reported(plant=intervention.plant)
            if any(t.action == "close" for t in actions)
            else [],
            "events": selectors.event_list_for_subject(subject=intervention),
            "photos": selectors.intervention_photos(intervention=intervention),
            **(_notifications_context(intervention) if staff else {"notifications": None}),
        },
    )


@require_POST
@role_required(*ALL_ROLES)
def intervention_action(request, pk, action):
    """One POST endpoint per transition; the service decides who may (403) and when (409)."""
    if action not in TRANSITIONS:
        raise PermissionDenied
    intervention = selectors.intervention_get_for_user(user=request.user, pk=pk)
    arguments = {}
    if action == "assign":
        technician_id = request.POST.get("technician", "")
        arguments["technician"] = (
            get_user_model().objects.filter(pk=int(technician_id)).first()
            if technician_id.isdigit()
            else None
        )
    elif action == "complete":
        arguments["closing_reason"] = request.POST.get("closing_reason", "")
    elif action == "cancel":
        arguments["reason"] = request.POST.get("reason", "")
    elif action == "close":
        arguments["override_reason"] = request.POST.get("override_reason", "")
    service = getattr(services, f"intervention_{action}")
    try:
        service(actor=request.user, intervention=intervention, **arguments)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    except TransitionNotAllowed as exc:
        return render(
            request, "dispatch/conflict.html", {"message": str(exc), "intervention": intervention}, status=409
        )
    else:
        messages.success(request, _("Done: %(action)s.") % {"action": TRANSITIONS[action].label})
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("dispatch:intervention-detail", pk=pk)


def _notifications_context(intervention) -> dict:
    notifications = list(notification_list_for_intervention(intervention=intervention))
    return {
        "intervention": intervention,
        "notifications": notifications,
        # Followed live until every message is delivered, failed or cancelled.
        "notifications_pending": any(n.status in ("pending", "sending", "sent") for n in notifications),
    }


@require_GET
@role_required(*STAFF)
def intervention_notifications(request, pk):
    """The intervention's notifications alone, for the page's refresh while they travel."""
    intervention = selectors.intervention_get_for_user(user=request.user, pk=pk)
    return render(request, "dispatch/_notifications.html", _notifications_context(intervention))


@require_GET
@role_required(*ALL_ROLES)
def plant_document_download(request, plant_pk, pk):
    """A file from the plant's archive, for whoever may see the plant (a utility user: its own)."""
    plant = selectors.plant_get_for_user(user=request.user, pk=plant_pk)
    document = plant.documents.filter(pk=pk).first()
    if document is None or not document.file:
        raise Http404
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    # Photos are shown in the page; they were checked as JPEG, PNG or WebP when received, and
    # nosniff (SecurityMiddleware) keeps the browser to the type their name gives.
    return FileResponse(
        handle,
        as_attachment=document.kind != DocumentKind.PHOTO,
        filename=document.file.name.rsplit("/", 1)[-1],
    )


@require_GET
@role_required(*STAFF)
def callbacks_due(request):
    """The header's callbacks link with the number due, and the alert above the page naming the
    first ones; every staff page polls it, so a callback coming due shows wherever they are."""
    count, first = selectors.callbacks_due_for_user(user=request.user)
    now = timezone.now()
    rows = [(callback, selectors.callback_is_overdue(callback, now)) for callback in first]
    return render(
        request, "dispatch/_callbacks_due.html", {"count": count, "rows": rows, "more": count - len(rows)}
    )


@require_GET
@role_required(*STAFF)
def outbox(request):
    """What the embedded gateway kept (nothing leaves this machine), and failed notifications."""
    from notifications.backends.base import notification_backend

    backends = {channel: notification_backend(channel).description for channel in ("sms", "email", "fax")}
    return render(
        request,
        "notifications/outbox.html",
        {
            "messages_kept": outbox_message_list(),
            "failed": notification_list_failed(),
            "backends": backends,
        },
    )


@role_required(*STAFF)
def callback_list(request):
    """Scheduled callbacks, soonest first, due and overdue ones marked; complete one here."""
    if request.method == "POST":
        callback = selectors.callback_get_for_user(user=request.user, pk=request.POST.get("callback"))
        try:
            services.callback_complete(
                actor=request.user, callback=callback, outcome=request.POST.get("outcome", "")
            )
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        except TransitionNotAllowed as exc:
            messages.error(request, str(exc))
        return redirect("dispatch:callback-list")
    callbacks = list(selectors.callback_list_open(user=request.user)[:200])
    for callback in callbacks:
        callback.is_due = selectors.callback_is_due(callback)
        callback.is_overdue = selectors.callback_is_overdue(callback)
    return render(request, "dispatch/callback_list.html", {"callbacks": callbacks})


# ----------------------------------------------------------------------------------------------
# Call scripts


def _script_fragment(request, call, *, status: int = 200):
    context = {
        "call": call,
        "state": selectors.call_script_state(call=call),
        "call_types": dict(CallType.choices),
        "priorities": dict(Priority.choices),
    }
    return render(request, "dispatch/_call_script.html", context, status=status)


@role_required(*STAFF)
def call_script(request, pk):
    """The call's script, one step at a time: GET shows where the call stands, POST records an
    answer (``step``, ``answer``: its position) and shows the next step."""
    call = selectors.call_get_for_user(user=request.user, pk=pk)
    if request.method == "POST":
        answer = request.POST.get("answer", "")
        try:
            services.call_script_answer(
                actor=request.user,
                call=call,
                step=request.POST.get("step", ""),
                answer=int(answer) if answer.isdigit() else -1,
            )
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        if request.headers.get("HX-Request") != "true":
            return redirect("dispatch:call-detail", pk=pk)
    elif request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    return _script_fragment(request, call)


@require_POST
@role_required(*STAFF)
def call_script_apply(request, pk):
    """Give the call the type its script suggested."""
    call = selectors.call_get_for_user(user=request.user, pk=pk)
    state = selectors.call_script_state(call=call)
    if state is None or not state.suggested_call_type:
        messages.error(request, _("The script suggested no call type."))
    else:
        services.call_update(actor=request.user, call=call, call_type=state.suggested_call_type)
        messages.success(request, _("Call type set as the script suggested."))
    return redirect("dispatch:call-detail", pk=pk)


@require_GET
@role_required(*STAFF)
def script_list(request):
    scripts = {script.call_type: script for script in CallScript.objects.all()}
    rows = [("", _("Triage (call type not known yet)"), scripts.get(""))] + [
        (value, label, scripts.get(value)) for value, label in CallType.choices
    ]
    return render(request, "dispatch/script_list.html", {"rows": rows})


@role_required(Role.SUPERVISOR)
def script_edit(request, call_type: str = ""):
    """Write or change the script of a call type (``triage``: calls of no known type yet). A text
    that does not read as a script is shown again with the line at fault; nothing is lost."""
    if call_type == "triage":
        call_type = ""
    elif call_type not in CallType.values:
        raise Http404
    script = CallScript.objects.filter(call_type=call_type).first()
    label = dict(CallType.choices).get(call_type) or _("Triage (call type not known yet)")
    name = script.name if script else label
    source = script.source if script else SCRIPT_EXAMPLE
    error = ""
    if request.method == "POST":
        name, source = request.POST.get("name", ""), request.POST.get("source", "")
        try:
            services.call_script_save(actor=request.user, call_type=call_type, name=name, source=source)
        except ScriptError as exc:
            error = str(exc)
        except ValidationError as exc:
            error = _error_text(exc)
        else:
            messages.success(request, _("Script saved."))
            return redirect("dispatch:script-list")
    elif request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    context = {"label": label, "name": name, "source": source, "error": error, "script": script}
    return render(request, "dispatch/script_edit.html", context, status=400 if error else 200)


SCRIPT_EXAMPLE = """[start] Do you smell gas right now?
  ? Ask calmly; keep the caller on the line.
  - Yes, strongly -> evacuate ; type=gas_leak priority=1
  - Faintly -> where ; type=gas_leak priority=2
  - No -> end ; type=information priority=4
[where] Where is the smell?
  - Inside the building -> evacuate ; priority=1
  - Outside -> end
[evacuate] No switches, no flames, open the windows, leave the building. Are they out?
  - Yes -> end
  - No -> end ; priority=1
"""
