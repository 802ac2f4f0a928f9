"""Interventions, the steps their technician sent from the phone, and timed callbacks."""

from typing import Self

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dispatch.choices import (
    STAFF_ROLES,
    CallbackStatus,
    InterventionStatus,
    Priority,
)
from dispatch.models.calls import Call
from dispatch.models.common import (
    NOTES_MAX_LENGTH,
    REASON_MAX_LENGTH,
    SUMMARY_MAX_LENGTH,
    HistoryImmutableError,
)
from dispatch.models.customers import Plant, PlantDocument
from dispatch.visibility import Visibility


class InterventionQuerySet(models.QuerySet["Intervention"]):
    def delete(self):
        raise HistoryImmutableError("Interventions cannot be deleted; a supervisor may cancel one.")

    def update(self, **kwargs):
        raise HistoryImmutableError("Interventions change only through dispatch.services.")

    def with_related(self) -> Self:
        return self.select_related("plant", "plant__customer", "technician", "call")

    def not_final(self) -> Self:
        return self.exclude(status__in=[InterventionStatus.CLOSED, InterventionStatus.CANCELLED])


class Intervention(models.Model):
    """Field work on a plant, from opening to a supervisor's close.

    The state machine is ``dispatch.transitions.TRANSITIONS``; only services move it.
    """

    call = models.ForeignKey(
        Call, on_delete=models.PROTECT, null=True, blank=True, related_name="interventions"
    )
    plant = models.ForeignKey(Plant, on_delete=models.PROTECT, related_name="interventions")
    summary = models.TextField(_("summary"), validators=[MaxLengthValidator(SUMMARY_MAX_LENGTH)])
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(
        _("status"), max_length=16, choices=InterventionStatus.choices, default=InterventionStatus.OPEN
    )
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="interventions",
    )
    closing_reason = models.TextField(
        _("closing reason"), blank=True, validators=[MaxLengthValidator(REASON_MAX_LENGTH)]
    )
    cancel_reason = models.TextField(
        _("cancellation reason"), blank=True, validators=[MaxLengthValidator(REASON_MAX_LENGTH)]
    )
    close_override_reason = models.TextField(
        _("reason to close despite the plant's state"),
        blank=True,
        validators=[MaxLengthValidator(REASON_MAX_LENGTH)],
    )
    opened_at = models.DateTimeField(_("opened at"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    objects = InterventionQuerySet.as_manager()

    visibility = Visibility(everyone=STAFF_ROLES, customer="plant__customer", technician="technician")

    class Meta:
        ordering = ["priority", "opened_at", "id"]
        verbose_name = _("intervention")
        verbose_name_plural = _("interventions")
        indexes = [
            models.Index(fields=["status", "priority", "opened_at"], name="intervention_board_idx"),
            # The live board: open ones only, in its order, however many closed ones pile up.
            models.Index(
                fields=["priority", "opened_at", "id"],
                name="intervention_open_idx",
                condition=~Q(status__in=["closed", "cancelled"]),
            ),
            models.Index(fields=["technician", "status"], name="intervention_tech_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                name="intervention_completed_has_reason",
                condition=~Q(status__in=["completed", "closed"]) | ~Q(closing_reason=""),
            ),
            models.CheckConstraint(
                name="intervention_assigned_has_technician",
                condition=Q(status__in=["open", "cancelled"]) | Q(technician__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.plant.code} ({self.get_status_display()})"

    def delete(self, *args, **kwargs):
        raise HistoryImmutableError("Interventions cannot be deleted; a supervisor may cancel one.")


class InterventionAssignment(models.Model):
    """A technician an intervention was ever assigned to: one row per technician, from its first
    assignment. A technician re-assigned away keeps reaching the faxes and photos of the work it
    did (``PlantDocument.visibility``); the intervention itself follows its current technician."""

    intervention = models.ForeignKey(Intervention, on_delete=models.PROTECT, related_name="assignments")
    technician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(_("first assigned at"))

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["intervention", "technician"], name="intervention_assignment_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.intervention_id} → {self.technician_id}"


class Callback(models.Model):
    """A timed callback to a caller (or any reminder) on a call or an intervention. At its due
    time the operator is reminded; past its grace period it is flagged overdue; completing or
    cancelling it is recorded in the subject's history."""

    call = models.ForeignKey(Call, on_delete=models.PROTECT, null=True, blank=True, related_name="callbacks")
    intervention = models.ForeignKey(
        Intervention, on_delete=models.PROTECT, null=True, blank=True, related_name="callbacks"
    )
    number = models.CharField(_("number to call"), max_length=20, blank=True, help_text=_("E.164"))
    due_at = models.DateTimeField(_("due at"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="callbacks",
        help_text=_("Empty: any operator."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=CallbackStatus.choices, default=CallbackStatus.SCHEDULED
    )
    created_at = models.DateTimeField(_("scheduled at"))
    # Empty: the caller asked for it at the phone system's prompt (routing: "press 1").
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome = models.CharField(_("outcome"), max_length=500, blank=True)

    # Callbacks are the call centre's own work list.
    visibility = Visibility(everyone=STAFF_ROLES)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("callback")
        verbose_name_plural = _("callbacks")
        indexes = [
            models.Index(fields=["due_at"], name="callback_open_due_idx", condition=Q(status="scheduled")),
        ]
        constraints = [
            models.CheckConstraint(
                name="callback_has_subject", condition=Q(call__isnull=False) | Q(intervention__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number or '-'} @ {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def subject(self):
        return self.intervention if self.intervention_id else self.call


class InterventionStep(models.Model):
    """A step the technician took on the phone (acknowledge, arrive, complete, a note), sent when
    the network allowed: the phone's id for it (each step applies once however often it is
    sent), the phone's time and the server's, and why the two look implausible, if they do."""

    # The phone's own id: unique per intervention and technician, so that a step id sent by
    # another phone (guessed or copied) is a new step there, never an answer about this one.
    step_id = models.UUIDField()
    intervention = models.ForeignKey(Intervention, on_delete=models.PROTECT, related_name="steps")
    action = models.CharField(max_length=16)
    client_time = models.DateTimeField(_("phone time"))
    received_at = models.DateTimeField(_("received at"))
    applied_at = models.DateTimeField(_("time applied"))
    flag = models.CharField(_("time flag"), max_length=200, blank=True)
    note = models.TextField(blank=True, validators=[MaxLengthValidator(NOTES_MAX_LENGTH)])
    outcome = models.CharField(max_length=300, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    document = models.OneToOneField(
        PlantDocument,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="step",
        help_text=_("For a photo: the file, kept in the plant's archive."),
    )

    class Meta:
        verbose_name = _("technician step")
        verbose_name_plural = _("technician steps")
        constraints = [
            models.UniqueConstraint(
                fields=["intervention", "actor", "step_id"], name="intervention_step_unique_per_phone"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.intervention_id} {self.action} {self.client_time:%Y-%m-%d %H:%M:%S}"
