"""Pages: people's requests (operators and supervisors) and the access log (supervisors)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dispatch.access import found_or_404, restrict
from dispatch.choices import Role
from dispatch.errors import DomainError
from dispatch.roles import has_role
from dispatch.views.common import STAFF, form_error_text, role_required
from privacy.choices import AccessKind, RequestKind, RequestStatus
from privacy.exports import export_caller_token, request_export, request_export_json, request_export_pdf
from privacy.models import AccessLogEntry, PersonalRequest
from privacy.selectors.retention import personal_data_held
from privacy.services.access_log import access_log_for_number, access_record
from privacy.services.requests import personal_request_erase, personal_request_export, personal_request_record

REQUESTS_SHOWN = 200
ENTRIES_SHOWN = 500


def _requests(request: HttpRequest) -> list[PersonalRequest]:
    return list(restrict(PersonalRequest.objects.all(), request.user)[:REQUESTS_SHOWN])


@role_required(*STAFF)
def request_list(request: HttpRequest) -> HttpResponse:
    """The requests, newest first; POST records one."""
    if request.method == "POST":
        received_at = (
            parse_datetime(request.POST.get("received_at", "")) if request.POST.get("received_at") else None
        )
        try:
            recorded = personal_request_record(
                actor=request.user, kind=request.POST.get("kind", ""),
                number=request.POST.get("number", ""), requester=request.POST.get("requester", ""),
                identity_check=request.POST.get("identity_check", ""), received_at=received_at,
            )  # fmt: skip
        except ValidationError as exc:
            messages.error(request, form_error_text(exc))
            return redirect("privacy:request-list")
        messages.success(request, _("Request #%(id)s recorded.") % {"id": recorded.pk})
        return redirect("privacy:request-detail", pk=recorded.pk)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    return render(
        request, "privacy/request_list.html", {"requests": _requests(request), "kinds": RequestKind.choices}
    )


def _request_get(request: HttpRequest, pk: int) -> PersonalRequest:
    return found_or_404(restrict(PersonalRequest.objects.select_related("recorded_by"), request.user), pk)


@require_GET
@role_required(*STAFF)
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    personal_request = _request_get(request, pk)
    return render(
        request,
        "privacy/request_detail.html",
        {
            "personal_request": personal_request,
            "steps": personal_request.steps.select_related("actor"),
            "answered": personal_request.status == RequestStatus.ANSWERED,
            "can_answer": personal_request.status == RequestStatus.RECEIVED
            and (personal_request.kind == RequestKind.ACCESS or has_role(request.user, Role.SUPERVISOR)),
        },
    )


@require_POST
@role_required(*STAFF)
def request_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """Answer the request: an export for access, the erasure for erasure (supervisors)."""
    personal_request = _request_get(request, pk)
    try:
        if personal_request.kind == RequestKind.ERASURE:
            personal_request_erase(actor=request.user, request=personal_request, is_held=personal_data_held)
        else:
            personal_request_export(actor=request.user, request=personal_request)
    except (DomainError, PermissionDenied) as exc:
        messages.error(request, str(exc) or _("Your role does not allow this."))
        return redirect("privacy:request-detail", pk=pk)
    messages.success(request, _("Request #%(id)s answered.") % {"id": personal_request.pk})
    return redirect("privacy:request-detail", pk=pk)


@require_GET
@role_required(*STAFF)
def request_export_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The export of an answered access request, as JSON or PDF. Logged, the request as reason."""
    personal_request = _request_get(request, pk)
    if fmt not in ("json", "pdf") or personal_request.kind != RequestKind.ACCESS:
        raise Http404
    if personal_request.status != RequestStatus.ANSWERED:
        raise Http404(_("No export before the request is answered."))
    data = request_export(request=personal_request)
    access_record(
        user=request.user, kind=AccessKind.EXPORT, request=personal_request,
        token=export_caller_token(personal_request),
        reason=_("request #%(id)s") % {"id": personal_request.pk},
    )  # fmt: skip
    if fmt == "json":
        body, content_type = request_export_json(data), "application/json"
    else:
        body, content_type = request_export_pdf(data), "application/pdf"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="request-{personal_request.pk}.{fmt}"'
    return response


@require_GET
@role_required(Role.SUPERVISOR)
def access_log(request: HttpRequest) -> HttpResponse:
    """Who read a number's data: asked with the number and a reason (the lookup is logged)."""
    number, reason = request.GET.get("number", ""), request.GET.get("reason", "")
    entries: list[AccessLogEntry] | None = None
    if number or reason:
        try:
            entries = list(
                access_log_for_number(actor=request.user, number=number, reason=reason)[:ENTRIES_SHOWN]
            )
        except ValidationError as exc:
            messages.error(request, form_error_text(exc))
    return render(
        request, "privacy/access_log.html", {"entries": entries, "number": number, "reason": reason}
    )
