"""Interventions: the list, one intervention with its actions, notifications and plant documents."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dispatch import selectors, services
from dispatch.errors import TransitionNotAllowed
from dispatch.files import file_type_of
from dispatch.inputs import id_parse
from dispatch.ports import access_logged
from dispatch.roles import has_role
from dispatch.timeline import timeline_for
from dispatch.transitions import TRANSITIONS, transitions_available
from dispatch.views.common import ALL_ROLES, STAFF, form_error_text, role_required
from notifications.selectors import (
    notification_list_for_intervention,
)
from telecontrol.selectors import TelemetryDuring, plant_faults_reported, plant_telemetry_during


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
    access_logged(request, kind="intervention.page", intervention=intervention)
    closing = any(t.action == "close" for t in actions)
    return render(
        request,
        "dispatch/intervention_detail.html",
        {
            "intervention": intervention,
            "actions": actions,
            "suggestions": suggestions,
            "plant_faults": plant_faults_reported(plant=intervention.plant) if closing else [],
            "telemetry_since_work": _telemetry_since_work(intervention) if closing else None,
            "timeline": timeline_for(
                request.user, selectors.event_list_for_subject(subject=intervention, user=request.user)
            ),
            "photos": selectors.intervention_photos(intervention=intervention, user=request.user),
            **(_notifications_context(intervention) if staff else {"notifications": None}),
        },
    )


def _telemetry_since_work(intervention) -> TelemetryDuring | None:
    """For the supervisor who closes: how the plant's telemetry did from the end of the work to
    now (the case type's verification days, when it has some, are this span)."""
    if intervention.completed_at is None:
        return None
    during = plant_telemetry_during(
        plant=intervention.plant, start=intervention.completed_at, end=timezone.now()
    )
    return during if during.watched else None


@require_POST
@role_required(*ALL_ROLES)
def intervention_action(request, pk, action):
    """One POST endpoint per transition; the service decides who may (403) and when (409)."""
    if action not in TRANSITIONS:
        raise PermissionDenied
    intervention = selectors.intervention_get_for_user(user=request.user, pk=pk)
    arguments = {}
    if action == "assign":
        technician_id = id_parse(request.POST.get("technician", ""))
        arguments["technician"] = (
            get_user_model().objects.filter(pk=technician_id).first() if technician_id else None
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
        messages.error(request, form_error_text(exc))
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
    """A file from the plant's archive, a fax or a photo, for whoever may fetch it (the access
    layer: ``PlantDocument.visibility``)."""
    document = selectors.plant_document_get_for_user(user=request.user, plant_pk=plant_pk, pk=pk)
    if not document.file:
        raise Http404
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    if document.intervention_id is not None:
        # A photo or fax of an intervention shows a site and the people on it; the plant's own
        # archive (drawings, manuals) is no one's personal data.
        access_logged(request, kind="document", document=document)
    # The type is the content's, never the name's: only an image verified whole is shown in the
    # page; anything else leaves as an attachment, and what is none of the allowed kinds (a file
    # stored before uploads were checked) as bytes to save, never to render.
    found = file_type_of(handle)
    inline = found is not None and found.image
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=document.filename,
        content_type=found.content_type if found is not None else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
