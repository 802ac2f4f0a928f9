"""The major incidents' pages: the list, the declaration, the incident's page (reach, members,
proposals attached with one click, updates, deliveries), the supervisors' update and resolve,
the after-action report (page and PDF), the call screen's banner, and the public status page.

Who may do what is said on each view (``role_required``) and again by the services; which rows
a user sees, by ``incidents.selectors.pages`` through the access layer."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dispatch import selectors as dispatch_selectors
from dispatch.choices import Role
from dispatch.errors import DomainError
from dispatch.roles import has_role
from dispatch.views.common import form_error_text, role_required
from incidents import services
from incidents.choices import AttachedHow
from incidents.forms import AttachForm, CallAttachForm, DeclareForm, ResolveForm, UpdateForm
from incidents.models import MajorIncident
from incidents.pdf import after_action_pdf, duration
from incidents.selectors import listing, pages
from notifications.choices import NotificationStatus
from telecontrol.models import PlantAlarm

READERS = (Role.OPERATOR, Role.SUPERVISOR, Role.TECHNICIAN, Role.UTILITY)
STAFF = (Role.OPERATOR, Role.SUPERVISOR)
REPORT_READERS = (Role.OPERATOR, Role.SUPERVISOR, Role.UTILITY)
# The public status page: shared caches (and the utility's own website) may keep it this long.
STATUS_MAX_AGE = 30


def _htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


@require_GET
@role_required(*READERS)
def incident_list(request: HttpRequest) -> HttpResponse:
    incidents = list(listing.incident_list_for_user(user=request.user)[:200])
    counts = pages.incident_counts(incident_ids=[i.pk for i in incidents])
    return render(
        request,
        "incidents/list.html",
        {"rows": [(i, counts[i.pk]) for i in incidents]},
    )


def _errors_to_form(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, texts in error.message_dict.items():
            form.add_error(name if name in form.fields else None, texts)
    else:
        form.add_error(None, error.messages)


@require_http_methods(["GET", "POST"])
@role_required(Role.SUPERVISOR)
def incident_declare(request: HttpRequest) -> HttpResponse:
    """GET: the form (``?node=<plant id>`` from the network panel fills the node). POST: the
    incident declared on the plant of that code, and its page."""
    initial: dict[str, Any] = {}
    node_id = request.GET.get("node", "")
    if node_id.isdigit():
        plant = dispatch_selectors.plant_list_for_user(user=request.user).filter(pk=int(node_id)).first()
        initial["node"] = plant.code if plant else ""
    form = DeclareForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["node"].strip()
        node = dispatch_selectors.plant_list_for_user(user=request.user).filter(code__iexact=code).first()
        if node is None:
            form.add_error("node", _("No plant has the code “%(code)s”.") % {"code": code})
        else:
            try:
                incident = services.incident_declare(
                    actor=request.user,
                    node=node,
                    title=form.cleaned_data["title"],
                    cause=form.cleaned_data["cause"],
                    public_message=form.cleaned_data["public_message"],
                    eta=form.cleaned_data["eta"],
                )
            except ValidationError as error:
                _errors_to_form(form, error)
            else:
                messages.success(request, _("Major incident declared."))
                return redirect(reverse("incidents:detail", args=[incident.pk]))
    return render(request, "incidents/declare.html", {"form": form})


@require_GET
@role_required(*READERS)
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    incident = listing.incident_get_for_user(user=request.user, pk=pk)
    page = pages.incident_page(incident=incident, user=request.user)
    supervisor = has_role(request.user, Role.SUPERVISOR)
    statuses = dict(NotificationStatus.choices)
    return render(
        request,
        "incidents/detail.html",
        {
            "page": page,
            "incident": incident,
            "can_attach": page.active and has_role(request.user, *STAFF),
            "can_update": page.active and supervisor,
            "update_form": UpdateForm(initial={"public_text": incident.public_message}),
            "resolve_form": ResolveForm(),
            "can_report": has_role(request.user, *REPORT_READERS),
            # Technicians read the incident and its updates; the members are the staff's and the
            # customer's (the access layer would list none for them anyway).
            "show_members": has_role(request.user, *REPORT_READERS),
            "deliveries": [(statuses.get(k, k), n) for k, n in sorted((page.deliveries or {}).items())],
            "status_url": request.build_absolute_uri(
                reverse("incidents:status", args=[incident.public_token])
            ),
        },
    )


def _attach_one(request: HttpRequest, incident: MajorIncident, kind: str, item: int) -> None:
    """Attach one proposal; the item is fetched as the user may see it (404 otherwise)."""
    if kind == "call":
        call = dispatch_selectors.call_get_for_user(user=request.user, pk=item)
        services.call_attach(actor=request.user, incident=incident, call=call, how=AttachedHow.CLICKED)
    elif kind == "alarm":
        alarm = get_object_or_404(
            PlantAlarm.objects.filter(plant__in=dispatch_selectors.plant_list_for_user(user=request.user)),
            pk=item,
        )
        services.alarm_attach(actor=request.user, incident=incident, alarm=alarm)
    else:
        intervention = dispatch_selectors.intervention_get_for_user(user=request.user, pk=item)
        services.intervention_attach(actor=request.user, incident=incident, intervention=intervention)


@require_POST
@role_required(*STAFF)
def incident_attach(request: HttpRequest, pk: int) -> HttpResponse:
    """One click on a proposal: the call, alarm or intervention joins the incident. With htmx the
    proposal's row is replaced by the outcome; without, back to the page with a message."""
    incident = listing.incident_get_for_user(user=request.user, pk=pk)
    form = AttachForm(request.POST)
    error = ""
    if not form.is_valid():
        error = _("Nothing to attach.")
    else:
        try:
            _attach_one(request, incident, form.cleaned_data["kind"], form.cleaned_data["item"])
        except (ValidationError, DomainError) as exc:
            error = form_error_text(exc) if isinstance(exc, ValidationError) else str(exc)
    if _htmx(request):
        # 200 either way: htmx swaps in only a successful answer, and the error must show in place.
        return render(request, "incidents/_attached.html", {"error": error})
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Attached to the incident."))
    return redirect(reverse("incidents:detail", args=[incident.pk]))


@require_POST
@role_required(Role.SUPERVISOR)
def incident_update(request: HttpRequest, pk: int) -> HttpResponse:
    """A new public message and, when given, a new ETA (empty: unchanged)."""
    incident = listing.incident_get_for_user(user=request.user, pk=pk)
    form = UpdateForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    else:
        eta = form.cleaned_data["eta"] or services.UNCHANGED
        try:
            services.incident_update(
                actor=request.user, incident=incident, public_text=form.cleaned_data["public_text"], eta=eta
            )
        except (ValidationError, DomainError) as exc:
            messages.error(request, form_error_text(exc) if isinstance(exc, ValidationError) else str(exc))
        else:
            messages.success(request, _("Update posted."))
    return redirect(reverse("incidents:detail", args=[incident.pk]))


@require_POST
@role_required(Role.SUPERVISOR)
def incident_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    incident = listing.incident_get_for_user(user=request.user, pk=pk)
    form = ResolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write the final message callers will receive."))
    else:
        try:
            services.incident_resolve(
                actor=request.user, incident=incident, public_text=form.cleaned_data["public_text"]
            )
        except (ValidationError, DomainError) as exc:
            messages.error(request, form_error_text(exc) if isinstance(exc, ValidationError) else str(exc))
        else:
            messages.success(request, _("Incident resolved."))
    return redirect(reverse("incidents:detail", args=[incident.pk]))


@require_GET
@role_required(*REPORT_READERS)
def incident_report(request: HttpRequest, pk: int) -> HttpResponse:
    incident = listing.incident_get_for_user(user=request.user, pk=pk)
    report = pages.after_action(incident=incident)
    times = {"detect": duration(report.to_detect), "declare": duration(report.to_declare),
             "resolve": duration(report.to_resolve)}  # fmt: skip
    return render(
        request, "incidents/report.html",
        {"incident": incident, "report": report, "chart": _chart(report), "times": times},
    )  # fmt: skip


@require_GET
@role_required(*REPORT_READERS)
def incident_report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    incident = listing.incident_get_for_user(user=request.user, pk=pk)
    response = HttpResponse(
        after_action_pdf(pages.after_action(incident=incident)), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="incident-{incident.pk}-after-action.pdf"'
    return response


CHART_WIDTH, CHART_HEIGHT = 640, 160


def _chart(report: pages.AfterAction) -> dict[str, Any]:
    """Calls per bucket as SVG bars (attributes, no inline style: the CSP allows none)."""
    buckets = report.calls_per_bucket
    slot = CHART_WIDTH / max(1, len(buckets))
    top = max(1, report.peak)
    bars = []
    for index, (start, count) in enumerate(buckets):
        height = round(CHART_HEIGHT * count / top, 1)
        bars.append({"x": round(index * slot, 1), "y": round(CHART_HEIGHT - height, 1),
                     "width": round(max(1.0, slot * 0.8), 1), "height": height,
                     "start": start, "count": count})  # fmt: skip
    return {"width": CHART_WIDTH, "height": CHART_HEIGHT, "bars": bars}


# ----------------------------------------------------------------------------------------------
# The call screen's banner


def _banner(request: HttpRequest, call: Any, *, form: CallAttachForm | None = None) -> HttpResponse:
    banner = pages.banner_for_call(call=call)
    return render(
        request,
        "incidents/_call_banner.html",
        {
            "call": call,
            "banner": banner,
            "form": form or CallAttachForm(initial={"number": call.caller_number}),
        },
    )


@require_GET
@role_required(*STAFF)
def call_banner(request: HttpRequest, pk: int) -> HttpResponse:
    """The call screen's banner (htmx): the open incident covering the caller's plant or number,
    its public message and ETA to read out, and the one-click attach (and subscribe)."""
    call = dispatch_selectors.call_get_for_user(user=request.user, pk=pk)
    return _banner(request, call)


@require_POST
@role_required(*STAFF)
def call_banner_attach(request: HttpRequest, pk: int, call_pk: int) -> HttpResponse:
    """Attach the call to the incident; subscribe the number when the operator ticked the box."""
    incident = listing.incident_get_for_user(user=request.user, pk=pk)
    call = dispatch_selectors.call_get_for_user(user=request.user, pk=call_pk)
    form = CallAttachForm(request.POST)
    if form.is_valid():
        try:
            services.call_attach(
                actor=request.user, incident=incident, call=call, how=AttachedHow.BANNER,
                subscribe=form.cleaned_data["subscribe"], number=form.cleaned_data["number"].strip(),
            )  # fmt: skip
        except ValidationError as error:
            _errors_to_form(form, error)
        except DomainError as error:
            form.add_error(None, str(error))
    if not _htmx(request):
        if form.errors:
            messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        else:
            messages.success(request, _("The call is attached to the major incident."))
        return redirect(reverse("dispatch:call-detail", args=[call.pk]))
    # 200 for htmx whatever happened: it swaps in only successful answers, and a refusal must
    # show in the banner where the operator clicked.
    return _banner(request, call, form=form if form.errors else None)


# ----------------------------------------------------------------------------------------------
# The public status page


@require_GET
def status(request: HttpRequest, token: str) -> HttpResponse:
    """Public, no sign-in: the incident at this unguessable address, without personal data. The
    page is rendered without the request (no session, no user, no CSRF cookie) so nothing in it
    varies by who asks and shared caches may keep it ``STATUS_MAX_AGE`` seconds."""
    page = pages.status_page(token=token)
    response = HttpResponse(render_to_string("incidents/status.html", {"page": page}))
    patch_cache_control(response, public=True, max_age=STATUS_MAX_AGE)
    return response
