"""Supervisors' retention page: the policies in force, legal holds, the job's last runs."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dispatch.choices import PersonalKind, Role
from dispatch.inputs import id_parse, integer_parse
from dispatch.models import Call, Customer, Intervention
from dispatch.views import role_required
from privacy.models import LegalHold, RetentionPolicy
from privacy.selectors.retention import legal_holds_active, retention_days_by_kind, retention_runs_last
from privacy.services import retention as services


@require_GET
@role_required(Role.SUPERVISOR)
def retention(request: HttpRequest) -> HttpResponse:
    days = retention_days_by_kind()
    return render(
        request,
        "privacy/retention.html",
        {
            "defaults": [(label, days[kind][0]) for kind, label in PersonalKind.choices],
            "policies": RetentionPolicy.objects.select_related("customer", "changed_by"),
            "holds": legal_holds_active().select_related("set_by"),
            "runs": retention_runs_last(),
            "kinds": PersonalKind.choices,
            "customers": Customer.objects.order_by("name"),
        },
    )


def _supervisor(request: HttpRequest) -> User:
    """The signed-in user (``role_required`` has let only supervisors through)."""
    assert isinstance(request.user, User)
    return request.user


def _errors(request: HttpRequest, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


@require_POST
@role_required(Role.SUPERVISOR)
def policy_set(request: HttpRequest) -> HttpResponse:
    customer_pk = id_parse(request.POST.get("customer", ""))
    customer = get_object_or_404(Customer, pk=customer_pk) if customer_pk else None
    days = integer_parse(request.POST.get("days", ""), minimum=1, maximum=services.DAYS_MAX)
    try:
        if days is None:
            raise ValidationError({"days": _("Between 1 and %(max)s days.") % {"max": services.DAYS_MAX}})
        services.retention_policy_set(
            actor=_supervisor(request), kind=request.POST.get("kind", ""), days=days, customer=customer
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Retention policy saved; the next run applies it."))
    return redirect("privacy:retention")


@require_POST
@role_required(Role.SUPERVISOR)
def hold_set(request: HttpRequest) -> HttpResponse:
    what, ref = request.POST.get("what", ""), request.POST.get("ref", "").strip()
    call = intervention = None
    number = ""
    try:
        until = dt.date.fromisoformat(request.POST.get("until", ""))
    except ValueError:
        messages.error(request, _("Give the hold's end date."))
        return redirect("privacy:retention")
    if what == "call":
        call = get_object_or_404(Call, pk=id_parse(ref) or 0)
    elif what == "intervention":
        intervention = get_object_or_404(Intervention, pk=id_parse(ref) or 0)
    else:
        number = ref
    try:
        services.legal_hold_set(
            actor=_supervisor(request), reason=request.POST.get("reason", ""), until=until,
            call=call, intervention=intervention, caller_number=number,
        )  # fmt: skip
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Legal hold set: retention and erasure requests skip it."))
    return redirect("privacy:retention")


@require_POST
@role_required(Role.SUPERVISOR)
def hold_release(request: HttpRequest, pk: int) -> HttpResponse:
    hold = get_object_or_404(LegalHold, pk=pk)
    services.legal_hold_release(actor=_supervisor(request), hold=hold)
    messages.success(request, _("Legal hold released."))
    return redirect("privacy:retention")
