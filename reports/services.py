"""The reports' writes: the service-level standards (each save a kept version), sign-offs,
report runs computed in the background, and last month's report emailed to each customer's
report contacts. The figures are ``reports.queries``'s; the runs are queued by task name
(``dispatch.queue``) and the emails go through ``notifications``' outbox."""

import logging
import time
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.access import can_see
from dispatch.choices import CallType, ReportRunKind, ReportRunStatus, Role, Service
from dispatch.models import (
    Customer,
    ServiceLevelProfile,
    ServiceLevelProfileChange,
    ServiceLevelReportRun,
    ServiceLevelSignOff,
)
from dispatch.queue import task_enqueue_on_commit
from dispatch.roles import has_role
from notifications.choices import NotificationReason
from notifications.services import email_files_send
from ops.metrics import REPORT_RUN_SECONDS, REPORT_RUNS
from reports.figures import figures_digest, period_problem, report_data
from reports.mail import report_email_file, report_email_render
from reports.merge import service_level_report_by_months
from reports.queries import profiles_for_customer, service_level_report
from reports.routers import reads_from_replica

logger = logging.getLogger(__name__)


# ----------------------------------------------------------------------------------------------
# Service-level profiles (the standards the reports hold each customer's service to)

PROFILE_FIELDS = (
    "name", "answer_target_seconds", "answer_min_percent", "arrival_target_minutes", "arrival_min_percent",
    "call_types", "call_types_apart",
)  # fmt: skip


def service_level_profile_save(
    *, actor, profile: ServiceLevelProfile | None = None, customer=None, service: str = "", **values
) -> ServiceLevelProfile:
    """Create a customer's own profile for a service (``profile`` None) or change one; every save
    is kept as a numbered version with its rules, so the reports made before can be explained.
    A call type may count under one service only, for the customer and against the defaults
    it keeps, and never both counted and counted apart."""
    if not has_role(actor, Role.SUPERVISOR):
        raise PermissionDenied(_("Only supervisors change the service-level standards."))
    unknown = [
        t
        for t in [*values.get("call_types", []), *values.get("call_types_apart", [])]
        if t not in CallType.values
    ]
    if unknown:
        raise ValidationError(
            {"call_types": _("Unknown call types: %(types)s.") % {"types": ", ".join(unknown)}}
        )
    with transaction.atomic():
        if profile is None:
            if service not in Service.values:
                raise ValidationError({"service": _("Unknown service.")})
            if ServiceLevelProfile.objects.filter(customer=customer, service=service).exists():
                raise ValidationError(
                    {"service": _("This customer already has its own profile for this service.")}
                )
            profile = ServiceLevelProfile(customer=customer, service=service, version=0)
        else:
            profile = ServiceLevelProfile.objects.select_for_update().get(pk=profile.pk)
        for name in PROFILE_FIELDS:
            if name in values:
                setattr(profile, name, values[name])
        if set(profile.call_types) & set(profile.call_types_apart):
            raise ValidationError({"call_types_apart": _("A call type is either counted or counted apart.")})
        _profile_overlap_check(profile)
        profile.version += 1
        profile.changed_at, profile.changed_by = timezone.now(), actor
        profile.full_clean()
        profile.save()
        ServiceLevelProfileChange.objects.create(
            profile=profile, version=profile.version, rules=profile.rules(), changed_at=profile.changed_at,
            changed_by=actor,
        )  # fmt: skip
    return profile


def _profile_overlap_check(profile: ServiceLevelProfile) -> None:
    """No call type may count under two services of the same customer (once in each report)."""
    others = (
        [p for p in profiles_for_customer(profile.customer) if p.service != profile.service]
        if profile.customer is not None
        else list(ServiceLevelProfile.objects.filter(customer__isnull=True).exclude(service=profile.service))
    )
    mine = set(profile.call_types) | set(profile.call_types_apart)
    for other in others:
        shared = mine & (set(other.call_types) | set(other.call_types_apart))
        if shared:
            raise ValidationError(
                {"call_types": _("%(types)s already count under %(other)s.")
                 % {"types": ", ".join(sorted(shared)), "other": other.name}}
            )  # fmt: skip


def service_levels_sign_off(
    *, actor, customer, date_from, date_to, group_by: str, note: str = ""
) -> ServiceLevelSignOff:
    """A supervisor signs off the customer's report for these days: its figures are computed
    now and kept as they are, with their SHA-256; the PDF is drawn from them."""
    if not has_role(actor, Role.SUPERVISOR):
        raise PermissionDenied(_("Only supervisors sign off reports."))
    problem = period_problem(date_from, date_to, group_by)
    if problem:
        raise ValidationError({"date_to": problem})
    report = service_level_report(customer=customer, date_from=date_from, date_to=date_to, group_by=group_by)
    data = report_data(report)
    return ServiceLevelSignOff.objects.create(
        customer=customer, date_from=date_from, date_to=date_to, group_by=group_by, figures=data,
        figures_sha256=figures_digest(data), signed_by=actor, signed_at=timezone.now(), note=note[:500],
    )  # fmt: skip


# ----------------------------------------------------------------------------------------------
# Reports computed in the background (long ranges on demand; each month for the contacts)


def report_run_request(*, actor, customer, date_from, date_to, group_by: str) -> ServiceLevelReportRun:
    """Queue a report to be computed a month at a time in the background. Whoever asks must be
    allowed to read the customer's reports (the caller checks; supervisors and its utility)."""
    if not (has_role(actor, Role.SUPERVISOR, Role.UTILITY) and can_see(actor, customer)):
        raise PermissionDenied(_("Only supervisors and the customer's utility users read reports."))
    problem = period_problem(date_from, date_to, group_by)
    if problem:
        raise ValidationError({"date_to": problem})
    run = ServiceLevelReportRun.objects.create(
        kind=ReportRunKind.ON_DEMAND, customer=customer, date_from=date_from, date_to=date_to,
        group_by=group_by, requested_by=actor, created_at=timezone.now(),
    )  # fmt: skip
    _report_run_enqueue(run.pk)
    return run


# The task that computes one run (``reports.tasks.report_run_execute``), by its registered name.
REPORT_RUN_EXECUTE = "dispatch.tasks.report_run_execute"


def _report_run_enqueue(run_id: int) -> None:
    task_enqueue_on_commit(REPORT_RUN_EXECUTE, run_id)


def report_run_execute(*, run_id: int) -> str:
    """Compute a queued run, a month at a time, recording the progress; idempotent (a run that
    is done, or running elsewhere, is left alone). A monthly run is then sent to the contacts."""
    with transaction.atomic():
        run = ServiceLevelReportRun.objects.select_for_update().select_related("customer").get(pk=run_id)
        if run.status not in (ReportRunStatus.QUEUED, ReportRunStatus.FAILED):
            return run.status
        run.status, run.progress, run.error = ReportRunStatus.RUNNING, 0, ""
        run.save(update_fields=["status", "progress", "error"])
    started, kind = time.monotonic(), run.kind

    def progress(done: int, total: int) -> None:
        ServiceLevelReportRun.objects.filter(pk=run.pk).update(progress=min(99, 100 * done // total))

    try:
        # The figures from the replica, if any (a past range: its lag does not matter); the run's
        # lock, progress and stored figures are writes, on the primary.
        with reads_from_replica():
            report = service_level_report_by_months(
                customer=run.customer, date_from=run.date_from, date_to=run.date_to, group_by=run.group_by,
                progress=progress,
            )  # fmt: skip
        data = report_data(report)
    except Exception as exc:
        return _run_counted(kind, started, _run_failed(run.pk, exc))
    try:
        # The figures and the monthly email (its PDF drawn here) commit together or not at all:
        # a run that could not be sent is failed, so it runs again, never left "running".
        with transaction.atomic():
            run = ServiceLevelReportRun.objects.select_for_update().get(pk=run.pk)
            run.figures, run.figures_sha256 = data, figures_digest(data)
            run.status, run.progress, run.finished_at = ReportRunStatus.DONE, 100, timezone.now()
            run.save(update_fields=["figures", "figures_sha256", "status", "progress", "finished_at"])
            if run.kind == ReportRunKind.MONTHLY:
                _monthly_report_send(run)
    except Exception as exc:
        return _run_counted(kind, started, _run_failed(run.pk, exc))
    return _run_counted(kind, started, run.status)


def _run_counted(kind: str, started: float, status: str) -> str:
    """Issue 22: a finished run in the metrics (its kind, how it ended, how long it took)."""
    REPORT_RUNS.labels(kind=kind, status=status).inc()
    REPORT_RUN_SECONDS.labels(kind=kind).observe(time.monotonic() - started)
    return status


def _run_failed(run_id: int, exc: Exception) -> str:
    logger.exception("Report run %s failed", run_id)
    ServiceLevelReportRun.objects.filter(pk=run_id).update(
        status=ReportRunStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:300], finished_at=timezone.now()
    )
    return ReportRunStatus.FAILED


def service_levels_monthly_send(*, now: datetime | None = None) -> int:
    """Last month's report for every active customer with contacts who receive reports: computed
    once (one monthly run per customer and month) and emailed once to those contacts, with the
    PDF attached. Returns how many runs were queued now. Safe to run again at any time."""
    today = timezone.localtime(now or timezone.now()).date()
    last = today.replace(day=1) - timedelta(days=1)
    first = last.replace(day=1)
    queued = 0
    customers = Customer.objects.filter(
        active=True, contacts__receives_reports=True, contacts__email__gt=""
    ).distinct()
    for customer in customers:
        with transaction.atomic():
            run, created = ServiceLevelReportRun.objects.get_or_create(
                kind=ReportRunKind.MONTHLY, customer=customer, date_from=first, date_to=last,
                defaults={"group_by": "day", "created_at": timezone.now()},
            )  # fmt: skip
            if created or run.status == ReportRunStatus.FAILED:
                _report_run_enqueue(run.pk)
                queued += 1
    return queued


def _monthly_report_send(run: ServiceLevelReportRun) -> None:
    """Under the run's lock: email it once to the customer's report contacts."""
    if run.sent_at is not None:
        return
    contacts = list(run.customer.contacts.filter(receives_reports=True, email__gt=""))
    if contacts:
        subject, body = report_email_render(run=run)
        email_files_send(
            reason=NotificationReason.REPORT, contacts=contacts, subject=subject, body=body,
            files=[report_email_file(run=run)],
        )  # fmt: skip
    run.sent_at = timezone.now()
    run.save(update_fields=["sent_at"])
