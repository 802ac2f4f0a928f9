"""Service-level standards with their kept versions, sign-offs, report runs, and the per-call
summary view the reports read."""

from decimal import Decimal

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dispatch.choices import (
    ReportRunKind,
    ReportRunStatus,
    Role,
    Service,
)
from dispatch.models.calls import Call
from dispatch.models.common import (
    HistoryImmutableError,
)
from dispatch.models.customers import Customer
from dispatch.visibility import Visibility

PERCENT = [MinValueValidator(0), MaxValueValidator(100)]


class ServiceLevelProfile(models.Model):
    """The standards a customer's service is held to: answer within ``answer_target_seconds`` in
    at least ``answer_min_percent`` of the counted calls, arrival on site (from the start of the
    call) within ``arrival_target_minutes`` in at least ``arrival_min_percent``. A profile with
    no customer is the default for its service; a customer's own replaces it. Every change is
    kept (``ServiceLevelProfileChange``), so a report can state the rules it used."""

    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_levels",
        help_text=_("Empty: the default for every customer without its own."),
    )
    service = models.CharField(_("service"), max_length=16, choices=Service.choices)
    name = models.CharField(_("name"), max_length=200)
    answer_target_seconds = models.PositiveIntegerField(
        _("answer within (s)"), null=True, blank=True, help_text=_("Empty: no answer standard."),
        validators=[MinValueValidator(1)],
    )  # fmt: skip
    answer_min_percent = models.DecimalField(
        _("answered within, at least (%)"), max_digits=5, decimal_places=2, default=Decimal("90"),
        validators=PERCENT,
    )  # fmt: skip
    arrival_target_minutes = models.PositiveIntegerField(
        _("arrival on site within (min)"), null=True, blank=True, help_text=_("Empty: no arrival standard."),
        validators=[MinValueValidator(1)],
    )  # fmt: skip
    arrival_min_percent = models.DecimalField(
        _("arrived within, at least (%)"), max_digits=5, decimal_places=2, default=Decimal("90"),
        validators=PERCENT,
    )  # fmt: skip
    call_types = models.JSONField(_("call types counted"), default=list)
    call_types_apart = models.JSONField(
        _("call types counted apart"),
        default=list,
        blank=True,
        help_text=_("Scheduled work, such as meter replacements."),
    )
    version = models.PositiveIntegerField(default=1)
    changed_at = models.DateTimeField(_("changed at"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["customer__name", "service"]
        verbose_name = _("service-level profile")
        verbose_name_plural = _("service-level profiles")
        constraints = [
            models.UniqueConstraint(fields=["customer", "service"], name="service_level_customer_service"),
            models.UniqueConstraint(
                fields=["service"], condition=Q(customer__isnull=True), name="service_level_default_service"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def rules(self) -> dict:
        """What a report states of this profile: enough to recompute it by hand."""
        return {
            "profile": self.pk, "version": self.version, "name": self.name, "service": self.service,
            "customer": self.customer_id, "answer_target_seconds": self.answer_target_seconds,
            "answer_min_percent": str(self.answer_min_percent),
            "arrival_target_minutes": self.arrival_target_minutes,
            "arrival_min_percent": str(self.arrival_min_percent),
            "call_types": list(self.call_types), "call_types_apart": list(self.call_types_apart),
        }  # fmt: skip


class ServiceLevelProfileChange(models.Model):
    """A profile as it was saved, kept for good: the rules behind any past report."""

    profile = models.ForeignKey(ServiceLevelProfile, on_delete=models.PROTECT, related_name="changes")
    version = models.PositiveIntegerField()
    rules = models.JSONField(encoder=DjangoJSONEncoder)
    changed_at = models.DateTimeField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["profile", "version"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "version"], name="service_level_change_version")
        ]

    def __str__(self) -> str:
        return f"{self.profile_id} v{self.version}"


class ServiceLevelSignOff(models.Model):
    """A supervisor's sign-off of a customer's service-level report: the figures as they were
    (the report's JSON, the same as the API's) and their SHA-256, kept for good. The PDF the
    utility files is drawn from these, so it never changes after the sign-off."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="service_level_sign_offs")
    date_from = models.DateField(_("from"))
    date_to = models.DateField(_("to"))
    group_by = models.CharField(_("grouped by"), max_length=16)
    figures = models.JSONField(encoder=DjangoJSONEncoder)
    figures_sha256 = models.CharField(max_length=64)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(_("signed off at"))
    note = models.CharField(_("note"), max_length=500, blank=True)

    # Reports are for supervisors and the customer's own utility users.
    visibility = Visibility(everyone=frozenset({Role.SUPERVISOR}), customer="customer")

    class Meta:
        ordering = ["-signed_at"]
        verbose_name = _("service-level sign-off")
        verbose_name_plural = _("service-level sign-offs")
        indexes = [models.Index(fields=["customer", "-signed_at"], name="sign_off_customer_idx")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.date_from}..{self.date_to}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise HistoryImmutableError("A signed-off report cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise HistoryImmutableError("A signed-off report cannot be deleted.")


class ServiceLevelReportRun(models.Model):
    """A service-level report computed in the background, a month at a time (``progress``): on
    demand for a long range, or each month for the customer's contacts (``kind`` monthly, once
    per customer and month). The figures are kept as computed, like a sign-off's."""

    kind = models.CharField(_("kind"), max_length=16, choices=ReportRunKind.choices)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="service_level_runs")
    date_from = models.DateField(_("from"))
    date_to = models.DateField(_("to"))
    group_by = models.CharField(_("grouped by"), max_length=16)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ReportRunStatus.choices, default=ReportRunStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    figures = models.JSONField(encoder=DjangoJSONEncoder, null=True, blank=True)
    figures_sha256 = models.CharField(max_length=64, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("requested at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent to the contacts at"), null=True, blank=True)

    visibility = Visibility(everyone=frozenset({Role.SUPERVISOR}), customer="customer")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("service-level report run")
        verbose_name_plural = _("service-level report runs")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "date_from", "date_to"],
                condition=Q(kind="monthly"),
                name="report_run_monthly_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.date_from}..{self.date_to} {self.status}"


class CallInterventionSummary(models.Model):
    """Per call, what its own interventions came to (a database view, migration 0013): the
    reports join it to the calls instead of grouping a million calls by their interventions."""

    call = models.OneToOneField(
        Call,
        primary_key=True,
        on_delete=models.DO_NOTHING,
        related_name="intervention_summary",
        db_column="call_id",
    )
    interventions = models.IntegerField()
    live_interventions = models.IntegerField(help_text=_("Not cancelled."))
    first_assigned_at = models.DateTimeField(null=True)
    first_arrived_at = models.DateTimeField(null=True)
    first_closed_at = models.DateTimeField(null=True)

    class Meta:
        managed = False
        db_table = "dispatch_call_intervention_summary"

    def __str__(self) -> str:
        return f"call {self.call_id}"
