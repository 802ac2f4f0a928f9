"""The supervisors' pages: the complaints (list, handle with notes) and the caller-satisfaction
report (response rate and scores per operator, line and month)."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dispatch.choices import Role
from dispatch.errors import TransitionNotAllowed
from dispatch.views import form_error_text, role_required

from . import selectors, services
from .choices import ComplaintStatus


@require_GET
@role_required(Role.SUPERVISOR)
def complaint_list(request):
    """Open complaints first (each with its handling form), then the latest handled."""
    context = {
        "open": selectors.complaint_list_for_user(user=request.user, status=ComplaintStatus.OPEN)[:200],
        "handled": selectors.complaint_list_for_user(user=request.user, status=ComplaintStatus.HANDLED)[:50],
    }
    return render(request, "feedback/complaints.html", context)


@require_POST
@role_required(Role.SUPERVISOR)
def complaint_handle(request, pk: int):
    complaint = selectors.complaint_get_for_user(user=request.user, pk=pk)
    try:
        services.complaint_handle(
            actor=request.user, complaint=complaint, notes=request.POST.get("notes", "")
        )
    except ValidationError as exc:
        messages.error(request, form_error_text(exc))
    except TransitionNotAllowed as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Complaint #%(id)s handled.") % {"id": complaint.pk})
    return redirect("feedback:complaints")


def _month(raw: str) -> date:
    try:
        year, month = (int(part) for part in raw.split("-", 1))
        return date(year, month, 1)
    except ValueError:
        return timezone.localdate().replace(day=1)


@require_GET
@role_required(Role.SUPERVISOR)
def satisfaction(request):
    """One month's surveys (``?month=YYYY-MM``, default this month), test calls left out."""
    month = _month(request.GET.get("month", ""))
    context = {
        "month": month,
        "figures": selectors.satisfaction_for_month(month=month),
        "months": selectors.satisfaction_by_month(last=month),
        "scores": selectors.SCORES,
    }
    return render(request, "feedback/satisfaction.html", context)
