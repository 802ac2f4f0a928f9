"""Calls: search, the call screen, and what the operator does from it."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponseBadRequest, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dispatch import selectors, services
from dispatch.choices import CallType, Priority, Role
from dispatch.filters import CallSearch
from dispatch.inputs import id_parse, integer_parse
from dispatch.plant_search import plant_search
from dispatch.ports import access_logged
from dispatch.roles import has_role
from dispatch.timeline import timeline_for
from dispatch.views.board import call_opened_once
from dispatch.views.common import ALL_ROLES, STAFF, form_error_text, role_required
from telecontrol.selectors import plant_badge_for_call, plant_badges, plant_check_latest_for_call
from telecontrol.services import plant_check

CALLS_PER_PAGE = 50


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
            messages.error(request, form_error_text(exc))
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
        call_opened_once(request, call.pk)
    access_logged(request, kind="call.page", call=call)
    latest_check = plant_check_latest_for_call(call=call) if call.plant_id else None
    script_state = selectors.call_script_state(call=call) if staff else None
    return render(
        request,
        "dispatch/call_detail.html",
        {
            "call": call,
            "timeline": timeline_for(
                request.user, selectors.event_list_for_subject(subject=call, user=request.user)
            ),
            "earlier_calls": selectors.call_list_earlier(user=request.user, call=call),
            "plant_interventions": (
                selectors.intervention_list_for_user(user=request.user)
                .filter(plant_id=call.plant_id)
                .not_final()
                .order_by("priority", "opened_at", "pk")[:10]
                if call.plant_id
                else []
            ),
            "badge": plant_badge_for_call(call=call, check=latest_check),
            "can_flag_test": call.is_ended and has_role(request.user, Role.SUPERVISOR),
            "can_check": call.plant_id is not None and has_role(request.user, Role.OPERATOR, Role.SUPERVISOR),
            "latest_check": latest_check,
            "callbacks": call.callbacks.order_by("due_at") if staff else None,
            "can_script": staff,
            "script_state": script_state,
            **(_call_intervention_context(call, script_state) if staff else {}),
            "call_types": dict(CallType.choices),
            "priorities": dict(Priority.choices),
        },
    )


def _call_intervention_context(call, state) -> dict:
    default = None
    if call.plant_id:
        default = services.intervention_default_priority(call_type=call.call_type, plant=call.plant)
    suggestions = selectors.technicians_suggested(plant=call.plant) if call.plant_id else []
    # The best suggestion is chosen for the operator when someone is on duty to send.
    best = suggestions[0] if suggestions and suggestions[0].on_duty else None
    return {
        "call_interventions": list(call.interventions.select_related("technician").order_by("pk")),
        "suggestions": suggestions,
        "preselected_technician": best.technician.pk if best else None,
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
@role_required(Role.SUPERVISOR)
def call_test_flag(request, pk):
    """A supervisor marks an ended call as a test call, or takes the mark back."""
    call = selectors.call_get_for_user(user=request.user, pk=pk)
    is_test = request.POST.get("is_test") == "1"
    try:
        services.call_test_flag(actor=request.user, call=call, is_test=is_test)
    except ValidationError as exc:
        messages.error(request, form_error_text(exc))
    else:
        messages.success(
            request, _("Marked as a test call.") if is_test else _("No longer marked as a test call.")
        )
    return redirect("dispatch:call-detail", pk=pk)


@require_GET
@role_required(*STAFF)
def call_plant_search(request, pk):
    """The call screen's type-ahead: the plants matching ``q`` (code, name, address, town, a
    contact's or known number), the caller's own first; with ``q`` empty, the caller's plants."""
    call = selectors.call_get_for_user(user=request.user, pk=pk)
    try:
        hits = plant_search(
            user=request.user, query=request.GET.get("q", ""), caller_number=call.caller_number
        )
    except ValidationError as exc:
        return HttpResponseBadRequest(form_error_text(exc), content_type="text/plain; charset=utf-8")
    badges = plant_badges(plant_ids=[hit.plant.pk for hit in hits])
    return render(
        request,
        "dispatch/_plant_results.html",
        {
            "call": call,
            "hits": [(hit, badges[hit.plant.pk]) for hit in hits],
            "query": request.GET.get("q", "").strip(),
        },
    )


@require_POST
@role_required(*STAFF)
def call_intervention_open(request, pk):
    """Open an intervention from the call screen and, when one is picked, assign the technician
    at once (the summary goes out to their phone after commit)."""
    call = selectors.call_get_for_user(user=request.user, pk=pk)
    priority = integer_parse(request.POST.get("priority", ""))
    technician_id = request.POST.get("technician", "")
    technician_pk = id_parse(technician_id)
    technician = get_user_model().objects.filter(pk=technician_pk).first() if technician_pk else None
    try:
        with transaction.atomic():
            intervention = services.intervention_open(
                actor=request.user,
                call=call,
                summary=request.POST.get("summary", ""),
                priority=priority if priority in Priority.values else None,
            )
            if technician_id:
                services.intervention_assign(
                    actor=request.user, intervention=intervention, technician=technician
                )
    except ValidationError as exc:
        messages.error(request, form_error_text(exc))
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
        messages.error(request, form_error_text(exc))
    return redirect("dispatch:call-detail", pk=pk)


@require_POST
@role_required(Role.OPERATOR, Role.SUPERVISOR)
def call_plant_check(request, pk):
    """Run the live telecontrol check of the call's plant; it is stored on the call."""
    call = selectors.call_get_for_user(user=request.user, pk=pk)
    if call.plant is None:
        messages.error(request, _("Set the call's plant first."))
        return redirect("dispatch:call-detail", pk=pk)
    plant_check(actor=request.user, plant=call.plant, call=call)
    if request.headers.get("HX-Request") == "true":
        # Clicked on the call screen: the stored result replaces the earlier one in place.
        # The plant's badge elsewhere on the screen follows, out of band: the check is fresher.
        latest_check = plant_check_latest_for_call(call=call)
        context = {
            "call": call,
            "latest_check": latest_check,
            "can_check": True,
            "badge": plant_badge_for_call(call=call, check=latest_check),
            "badge_out_of_band": True,
        }
        return render(request, "dispatch/_plant_check.html", context)
    return redirect("dispatch:call-detail", pk=pk)
