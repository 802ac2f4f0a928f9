"""The clocks' pages: a case's panel on its page (type, clocks, pause), and the late clocks on
the supervisor's desk. Fragments loaded by the core's pages (htmx); the forms post here and come
back to the case's page."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from clocks import selectors, services
from clocks.choices import ClockState, Metric
from clocks.forms import CaseTypeForm, PauseForm
from clocks.models import CaseFile, Pause
from clocks.verification import CaseFileVerification
from dispatch import selectors as dispatch_selectors
from dispatch.errors import TransitionNotAllowed
from dispatch.models import Intervention
from dispatch.roles import has_role
from dispatch.views.common import ALL_ROLES, STAFF, role_required

# The desk's late clocks ask again this often.
PANEL_REFRESH_SECONDS = 30


@require_GET
@role_required(*ALL_ROLES)
def case_panel(request: HttpRequest, pk: int) -> HttpResponse:
    intervention = dispatch_selectors.intervention_get_for_user(user=request.user, pk=pk)
    now = timezone.now()
    case_file = (
        CaseFile.objects.filter(intervention=intervention).select_related("case_type", "caller_class").first()
    )
    pause = Pause.objects.filter(intervention=intervention, ended_at__isnull=True).first()
    labels, states = dict(Metric.choices), dict(ClockState.choices)
    clocks = [
        {"metric": labels[c.metric], "state": c.state, "state_label": states[c.state], "clock": c}
        for c in selectors.case_clocks([intervention.pk], now=now).get(intervention.pk, [])
    ]
    staff = has_role(request.user, *STAFF)
    initial = {"case_type": case_file.case_type.code, "reach": case_file.reach} if case_file else {}
    if case_file and case_file.caller_class:
        initial["caller_class"] = case_file.caller_class.code
    return render(
        request,
        "clocks/_case_panel.html",
        {
            "intervention": intervention,
            "case_file": case_file,
            "pause": pause,
            "clocks": clocks,
            "staff": staff,
            "type_form": CaseTypeForm(initial=initial) if staff else None,
            "pause_form": PauseForm() if staff and pause is None else None,
            "verifying_until": CaseFileVerification().verifying_until(intervention=intervention),
            "now": now,
        },
    )


def _back(pk: int) -> HttpResponse:
    return redirect(reverse("dispatch:intervention-detail", args=[pk]) + "#case-clocks")


def _apply(request: HttpRequest, pk: int, action: Callable[[Intervention], object]) -> HttpResponse:
    """Run ``action`` on the case the user may see; a refusal comes back as a message on its page."""
    intervention = dispatch_selectors.intervention_get_for_user(user=request.user, pk=pk)
    try:
        action(intervention)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except TransitionNotAllowed as error:
        messages.error(request, str(error))
    return _back(pk)


def _form_apply(
    request: HttpRequest, pk: int, form: forms.Form, action: Callable[[Intervention, dict[str, Any]], object]
) -> HttpResponse:
    """Validate ``form``, then run ``action`` with its data; what is refused comes back as a
    message on the case's page."""
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return _back(pk)
    return _apply(request, pk, lambda intervention: action(intervention, form.cleaned_data))


@require_POST
@role_required(*STAFF)
def case_type_set(request: HttpRequest, pk: int) -> HttpResponse:
    return _form_apply(
        request,
        pk,
        CaseTypeForm(request.POST),
        lambda intervention, data: services.case_file_set(
            actor=request.user,
            intervention=intervention,
            case_type=data["case_type"],
            caller_class=data["caller_class"],
            reach=data["reach"],
        ),
    )


@require_POST
@role_required(*STAFF)
def case_pause(request: HttpRequest, pk: int) -> HttpResponse:
    return _form_apply(
        request,
        pk,
        PauseForm(request.POST),
        lambda intervention, data: services.pause_start(
            actor=request.user, intervention=intervention, reason=data["reason"], note=data["note"]
        ),
    )


@require_POST
@role_required(*STAFF)
def case_resume(request: HttpRequest, pk: int) -> HttpResponse:
    return _apply(
        request, pk, lambda intervention: services.pause_end(actor=request.user, intervention=intervention)
    )


@require_GET
@role_required(*STAFF)
def late_clocks(request: HttpRequest) -> HttpResponse:
    labels = dict(Metric.choices)
    late = selectors.clocks_late(now=timezone.now())
    return render(
        request,
        "clocks/_late.html",
        {
            "late": [{"row": row, "metric": labels[row.metric]} for row in late],
            "refresh_seconds": PANEL_REFRESH_SECONDS,
        },
    )
