"""Service-level report pages and exports, for supervisors (any customer) and utility users (their
own customer; any other is not found). The figures are ``reports.queries``'s, the same as
``GET /api/reports/service-levels/``."""

from __future__ import annotations

import csv
import datetime as dt
import itertools

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clocks.choices import Metric
from clocks.selectors import clock_figures, local_day_bounds
from dispatch import selectors as dispatch_selectors
from dispatch.choices import ReportGrouping, Role, Service
from dispatch.inputs import id_parse
from dispatch.models import Customer, ServiceLevelProfile, ServiceLevelSignOff
from dispatch.views import role_required
from reports import selectors, services
from reports.charts import distribution_chart, share_chart
from reports.figures import MEASURES, Report, report_data
from reports.forms import ProfileForm, ReportQueryForm
from reports.pdf import report_run_pdf, service_levels_pdf
from reports.queries import misses_all, service_level_report
from reports.routers import iterate_from_replica, reads_from_replica

READERS = (Role.SUPERVISOR, Role.UTILITY)


def _report_form(request, data) -> ReportQueryForm:
    """The report's form on ``data``; a customer the user may not read is not found (404), as in
    the API, rather than an invalid choice."""
    pk = id_parse(data.get("customer", ""))
    if pk is not None:
        selectors.customer_get_for_reports(user=request.user, pk=pk)
    return ReportQueryForm(data, user=request.user)


def _last_month() -> tuple[dt.date, dt.date]:
    first_of_this = timezone.localdate().replace(day=1)
    last = first_of_this - dt.timedelta(days=1)
    return last.replace(day=1), last


def _query(
    request, *, inline_only: bool = False, period_required: bool = False
) -> tuple[ReportQueryForm, Report | None]:
    """The form as the user filled it, and the report when the form holds (with ``inline_only``,
    and the range is short enough to compute while the page waits). The page asked with no
    period at all (a first visit; not ``period_required``) shows last month, in the form; a
    period half given, badly given or given twice differently is the form's error, never
    replaced by another. No customer asked: the user's first. A customer the user may not read
    is not found."""
    data = request.GET.copy()
    if not period_required and not any(data.get(key) for key in ("date_from", "date_to", "from", "to")):
        first, last = _last_month()
        data["date_from"], data["date_to"] = first.isoformat(), last.isoformat()
    data.setdefault("group_by", ReportGrouping.MONTH)
    form = _report_form(request, data)
    if "customer" not in request.GET:
        default = form.customers().first()
        if default is None:
            return form, None
        data["customer"] = str(default.pk)
        form = ReportQueryForm(data, user=request.user)
    if not form.is_valid():
        return form, None
    params = form.cleaned_data
    if (
        inline_only
        and (params["date_to"] - params["date_from"]).days >= settings.PRONTO_REPORT_INLINE_MAX_DAYS
    ):
        return form, None
    with reads_from_replica():  # the figures only: seconds of lag are fine for them
        report = service_level_report(
            customer=params["customer"], date_from=params["date_from"], date_to=params["date_to"],
            group_by=params["group_by"],
        )  # fmt: skip
    return form, report


@require_GET
@role_required(*READERS)
def service_levels(request):
    form, report = _query(request, inline_only=True)
    long_range = report is None and form.is_bound and form.is_valid()
    profiles = []
    if report is not None:
        for item in report.profiles:
            profiles.append(
                {
                    "report": item,
                    "trend": share_chart(item),
                    "distributions": [
                        distribution_chart(
                            measure.label, measure.bucket_labels(), item.total.distributions[name]
                        )
                        for measure in MEASURES
                        if (name := measure.name) in item.total.distributions and item.total.calls
                    ],
                }
            )
    query = request.GET.copy()
    if report is not None:
        query["customer"] = str(report.customer.pk)
    clock_rows = (
        _clock_figures(request, customer=report.customer, first=report.date_from, last=report.date_to)
        if report is not None
        else []
    )
    sign_offs = (
        ServiceLevelSignOff.objects.filter(customer=report.customer).select_related("signed_by")[:20]
        if report is not None
        else []
    )
    return render(
        request,
        "reports/service_levels.html",
        {
            "form": form, "report": report, "profiles": profiles, "query": query.urlencode(),
            "sign_offs": sign_offs, "long_range": long_range,
            "inline_max_days": settings.PRONTO_REPORT_INLINE_MAX_DAYS,
            "runs": selectors.report_runs_for_user(user=request.user)[:10], "clock_rows": clock_rows,
        },
    )  # fmt: skip


def _clock_figures(request, *, customer: Customer, first: dt.date, last: dt.date) -> list[dict]:
    """The service-level clocks of the customer's cases started in the period: share met per
    case type, metric, priority, caller class and team (the same rows as /api/clocks/figures/)."""
    start, end = local_day_bounds(first, last)
    interventions = dispatch_selectors.intervention_list_for_user(user=request.user).filter(
        plant__customer=customer
    )
    metric_label = dict(Metric.choices)
    return [
        {
            **row.__dict__,
            "share_percent": None if row.share is None else round(100 * row.share, 1),
            "metric_label": metric_label.get(row.metric, row.metric),
        }
        for row in clock_figures(interventions=interventions, start=start, end=end, now=timezone.now())
    ]


@require_GET
@role_required(*READERS)
def service_levels_csv(request):
    """The report as CSV: the rules, then per service the figures of each group and the total,
    then every call that missed a standard (all of them, streamed). The period is required
    (``date_from``/``date_to`` or ``from``/``to``): a missing or bad one is a 400 naming it."""
    form, report = _query(request, period_required=True)
    if report is None:
        if form.is_bound and not form.is_valid():
            return HttpResponseBadRequest(
                form.errors_by_parameter(), content_type="text/plain; charset=utf-8"
            )
        raise Http404(_("No customer to report on."))
    misses = {
        item.profile.pk: iterate_from_replica(misses_all(report=report, profile=item.profile))
        for item in report.profiles
    }
    return _csv_response(report_data(report), code=report.customer.code, misses=misses)


class _Echo:
    """csv.writer's file: hands each formatted line back to the streaming response."""

    def write(self, value):
        return value


def _csv_response(data: dict, *, code: str, misses: dict | None = None) -> StreamingHttpResponse:
    """A report's data (``reports.figures.report_data``) as CSV, for Excel as well. ``misses``:
    per profile id, every miss to list instead of the first ones the data holds."""
    writer = csv.writer(_Echo())
    rows = itertools.chain([["\ufeff" + _("Customer"), data["customer_name"]]], _csv_rows(data, misses or {}))
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8"
    )
    name = f"service-levels-{code}-{data['date_from']}-{data['date_to']}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _csv_rows(data: dict, misses: dict):
    yield [_("Period"), data["start"], data["end"], data["time_zone"]]
    yield [_("Computed at"), data["computed_at"]]
    for rule in data["rules"]:
        yield [_("Rule"), rule]
    for item in data["profiles"]:
        rules = item["rules"]
        yield []
        yield [_("Profile"), rules["name"], f"v{rules['version']}", rules["service"]]
        yield [
            _("Answer within (s)"), rules["answer_target_seconds"] or "", rules["answer_min_percent"],
            _("Arrival within (min)"), rules["arrival_target_minutes"] or "", rules["arrival_min_percent"],
        ]  # fmt: skip
        yield [
            _("Group"), _("Calls"), _("Answered within"), _("Answered late"), _("Hung up within"),
            _("Answer share %"), _("Arrived within"), _("Arrived late or not"), _("No intervention"),
            _("Cancelled"), _("Arrival share %"),
        ]  # fmt: skip
        for label, figures in [
            *((g["label"], g["figures"]) for g in item["groups"]),
            (_("Total"), item["total"]),
        ]:
            answer, arrival = figures["answer"], figures["arrival"]
            yield [
                label, figures["calls"], answer.get("within", ""), answer.get("missed", ""),
                answer.get("abandoned", ""), _blank_if_none(figures["answer_share"]),
                arrival.get("within", ""), arrival.get("missed", ""), arrival.get("no_intervention", ""),
                arrival.get("cancelled", ""), _blank_if_none(figures["arrival_share"]),
            ]  # fmt: skip
        if not item["misses_total"]:
            continue
        every = rules["profile"] in misses
        listed = item["misses_total"] if every else len(item["misses"])
        yield [_("Calls that missed a standard"), item["misses_total"], _("listed"), listed]
        yield [_("Call"), _("Received"), _("Plant"), _("Type"), _("Intervention"), _("Why")]
        if every:
            for miss in misses[rules["profile"]]:
                yield [
                    miss.call_id, timezone.localtime(miss.received_at).isoformat(), miss.plant_code,
                    miss.call_type, miss.intervention_id or "", "; ".join(miss.reasons),
                ]  # fmt: skip
        else:
            for miss in item["misses"]:
                yield [
                    miss["call_id"], miss["received_at"], miss["plant_code"], miss["call_type"],
                    miss["intervention_id"] or "", "; ".join(miss["reasons"]),
                ]  # fmt: skip


def _blank_if_none(value):
    return "" if value is None else value


# ----------------------------------------------------------------------------------------------
# The standards: supervisors keep the service-level profiles (each save a new version)


@require_GET
@role_required(Role.SUPERVISOR)
def profile_list(request):
    return render(
        request,
        "reports/service_level_profiles.html",
        {
            "profiles": ServiceLevelProfile.objects.select_related("customer", "changed_by"),
            "customers": Customer.objects.order_by("name"),
            "services": Service.choices,
        },
    )


@require_POST
@role_required(Role.SUPERVISOR)
def profile_create(request):
    """A customer's own profile for a service, starting from the default one."""
    customer = get_object_or_404(Customer, pk=id_parse(request.POST.get("customer", "")) or 0)
    service = request.POST.get("service", "")
    default = ServiceLevelProfile.objects.filter(customer__isnull=True, service=service).first()
    start = {name: getattr(default, name) for name in services.PROFILE_FIELDS} if default else {}
    start["name"] = f"{customer.name}: {default.name}" if default else customer.name
    try:
        profile = services.service_level_profile_save(
            actor=request.user, customer=customer, service=service, **start
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("reports:service-level-profiles")
    return redirect("reports:service-level-profile-edit", pk=profile.pk)


@require_http_methods(["GET", "POST"])
@role_required(Role.SUPERVISOR)
def profile_edit(request, pk):
    profile = get_object_or_404(ServiceLevelProfile.objects.select_related("customer"), pk=pk)
    form = ProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        try:
            services.service_level_profile_save(actor=request.user, profile=profile, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Saved as a new version; earlier reports keep the rules they used."))
            return redirect("reports:service-level-profiles")
    return render(
        request,
        "reports/service_level_profile_edit.html",
        {
            "profile": profile,
            "form": form,
            "changes": profile.changes.select_related("changed_by").order_by("-version"),
        },
    )


# ----------------------------------------------------------------------------------------------
# Sign-offs: the supervisor keeps the figures as filed; the PDF is drawn from them


@require_POST
@role_required(Role.SUPERVISOR)
def sign_off(request):
    form = _report_form(request, request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("reports:service-levels")
    params = form.cleaned_data
    signed = services.service_levels_sign_off(
        actor=request.user, customer=params["customer"], date_from=params["date_from"],
        date_to=params["date_to"], group_by=params["group_by"], note=request.POST.get("note", ""),
    )  # fmt: skip
    messages.success(request, _("Signed off. Its PDF is in the list below."))
    query: dict[str, str | int] = {
        "customer": signed.customer_id, "date_from": signed.date_from.isoformat(),
        "date_to": signed.date_to.isoformat(), "group_by": signed.group_by,
    }  # fmt: skip
    return redirect(f"{reverse('reports:service-levels')}?{urlencode(query)}")


@require_GET
@role_required(*READERS)
def sign_off_pdf(request, pk):
    signed = selectors.sign_off_get_for_user(user=request.user, pk=pk)
    response = HttpResponse(service_levels_pdf(signed), content_type="application/pdf")
    name = f"service-levels-{signed.figures['customer']}-{signed.date_from}-{signed.date_to}-{signed.pk}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# ----------------------------------------------------------------------------------------------
# Long reports, computed in the background


@require_POST
@role_required(*READERS)
def run_request(request):
    form = _report_form(request, request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("reports:service-levels")
    params = form.cleaned_data
    run = services.report_run_request(
        actor=request.user, customer=params["customer"], date_from=params["date_from"],
        date_to=params["date_to"], group_by=params["group_by"],
    )  # fmt: skip
    return redirect("reports:report-run", pk=run.pk)


@require_GET
@role_required(*READERS)
def run_detail(request, pk):
    run = selectors.report_run_get_for_user(user=request.user, pk=pk)
    template = "reports/_report_run.html" if request.headers.get("HX-Request") else "reports/report_run.html"
    return render(request, template, {"run": run})


@require_GET
@role_required(*READERS)
def run_download(request, pk, fmt):
    run = selectors.report_run_get_for_user(user=request.user, pk=pk)
    if fmt not in ("csv", "pdf") or run.figures is None:
        raise Http404(_("This report is not ready."))
    if fmt == "csv":
        return _csv_response(run.figures, code=run.customer.code)
    response = HttpResponse(report_run_pdf(run), content_type="application/pdf")
    name = f"service-levels-{run.customer.code}-{run.date_from}-{run.date_to}-{run.pk}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
