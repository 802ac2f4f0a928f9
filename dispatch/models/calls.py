"""Calls, the phone system's webhook receipts, call scripts and the answers given on a call."""

from collections.abc import Collection
from datetime import datetime
from typing import Any, Self

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from dispatch.choices import (
    STAFF_ROLES,
    CallSource,
    CallType,
    PlantMatch,
    Priority,
)
from dispatch.models.common import NOTES_MAX_LENGTH, HistoryImmutableError
from dispatch.models.customers import Plant
from dispatch.visibility import Visibility


class CallQuerySet(models.QuerySet["Call"]):
    def delete(self):
        raise HistoryImmutableError("Calls are part of the history and cannot be deleted.")

    def update(self, **kwargs):
        raise HistoryImmutableError("Calls are changed only through dispatch.services, one by one.")

    def with_related(self) -> Self:
        return self.select_related("plant", "plant__customer", "operator")

    def personal_data_blank(self, *, number: bool, notes: bool, now: datetime) -> int:
        """The erasure's own bulk write (``dispatch.services.personal_erase_locked``, ADR 0002):
        the caller's number and/or notes emptied, the time of the first erasure kept. The one
        update these rows allow besides ``save()``; PostgreSQL's guard lets nothing else through."""
        changes: dict[str, Any] = {"personal_erased_at": Coalesce(F("personal_erased_at"), Value(now))}
        if number:
            changes["caller_number"] = ""
        if notes:
            changes["notes"] = ""
        return models.QuerySet.update(self, **changes)


class Call(models.Model):
    """One incoming call, as the phone system and the operator recorded it.

    Never deleted. Once ended, its recorded fields (``RECORDED_FIELDS``) never change: the
    guard in ``save()`` refuses, and on PostgreSQL so does a trigger. Plant, type and notes may
    still be completed; every change leaves an ``Event``.
    """

    RECORDED_FIELDS = ("caller_number", "received_at", "answered_at", "ended_at", "duration_seconds", "line")

    external_id = models.CharField(
        _("phone system call id"), max_length=128, unique=True, null=True, blank=True, default=None
    )
    source = models.CharField(
        _("source"), max_length=16, choices=CallSource.choices, default=CallSource.MANUAL
    )
    caller_number = models.CharField(
        _("caller number"), max_length=20, blank=True, help_text=_("E.164; empty when withheld or erased")
    )
    # The caller's pseudonym (dispatch.personal.caller_token): groups a number's calls, and
    # still does once the number is erased.
    caller_token = models.CharField(max_length=64, blank=True, default="")
    # When the call's personal data (number, notes) was erased, by retention or on request.
    personal_erased_at = models.DateTimeField(_("personal data erased at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(_("duration (s)"), null=True, blank=True)
    line = models.CharField(_("line"), max_length=64, blank=True)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="calls_handled",
    )
    # Indexed by call_plant_time_idx, whose first column is the plant.
    plant = models.ForeignKey(
        Plant, on_delete=models.PROTECT, null=True, blank=True, related_name="calls", db_index=False
    )
    plant_match = models.CharField(
        _("plant identified by"),
        max_length=16,
        choices=PlantMatch.choices,
        blank=True,
        default=PlantMatch.NONE,
    )
    call_type = models.CharField(_("call type"), max_length=32, choices=CallType.choices, blank=True)
    notes = models.TextField(_("notes"), blank=True, validators=[MaxLengthValidator(NOTES_MAX_LENGTH)])
    # A quality group's mystery call: kept out of the regulator's figures and of the surveys,
    # kept in the operator's reviews (flagged by a supervisor, an event in the call's history).
    is_test = models.BooleanField(_("test call"), default=False)
    created_at = models.DateTimeField(_("logged at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )

    objects = CallQuerySet.as_manager()

    # A technician sees the calls behind the interventions assigned to it.
    visibility = Visibility(
        everyone=STAFF_ROLES, customer="plant__customer", technician="interventions__technician"
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        indexes = [
            models.Index(fields=["caller_number", "received_at"], name="call_number_time_idx"),
            models.Index(fields=["caller_token", "received_at"], name="call_token_time_idx"),
            models.Index(fields=["received_at"], name="call_received_idx"),
            # The board's calls in progress, among every call ever received.
            models.Index(
                fields=["received_at"], name="call_in_progress_idx", condition=Q(ended_at__isnull=True)
            ),
            models.Index(fields=["plant", "received_at"], name="call_plant_time_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                name="call_answered_after_received",
                condition=Q(answered_at__isnull=True) | Q(answered_at__gte=models.F("received_at")),
            ),
            models.CheckConstraint(
                name="call_ended_after_received",
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("received_at")),
            ),
            models.CheckConstraint(
                name="call_ended_after_answered",
                condition=Q(ended_at__isnull=True)
                | Q(answered_at__isnull=True)
                | Q(ended_at__gte=models.F("answered_at")),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.caller_number or '-'} {self.received_at:%Y-%m-%d %H:%M:%S}"

    def save(self, *args, **kwargs):
        loaded = getattr(self, "_loaded_recorded", None)
        if loaded is not None and loaded.get("ended_at") is not None:
            changed = [name for name, value in loaded.items() if getattr(self, name) != value]
            if changed == ["caller_number"] and self.caller_number == "" and self.personal_erased_at:
                changed = []  # the erasure of the caller's number (dispatch.services.personal_data)
            if changed:
                raise HistoryImmutableError(
                    f"Recorded fields of an ended call cannot be changed: {', '.join(changed)}."
                )
        super().save(*args, **kwargs)
        self._loaded_recorded = {name: getattr(self, name) for name in self.RECORDED_FIELDS}

    def delete(self, *args, **kwargs):
        raise HistoryImmutableError("Calls are part of the history and cannot be deleted.")

    @classmethod
    def from_db(
        cls, db: str | None, field_names: Collection[str], values: Collection[Any], **kwargs: Any
    ) -> Self:
        instance = super().from_db(db, field_names, values, **kwargs)
        instance._loaded_recorded = {
            name: getattr(instance, name) for name in cls.RECORDED_FIELDS if name in field_names
        }
        return instance

    @property
    def is_ended(self) -> bool:
        return self.ended_at is not None


class TelephonyReceipt(models.Model):
    """Signatures of accepted phone-system webhooks, kept for the replay window."""

    signature = models.CharField(max_length=128, unique=True)
    received_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("telephony receipt")
        verbose_name_plural = _("telephony receipts")

    def __str__(self) -> str:
        return self.signature[:12]


class CallScript(models.Model):
    """The guided questions for one call type (blank: the triage script for calls whose type is
    not known yet, which suggests it). Supervisors write ``source`` (dispatch/script_parser.py says
    how); ``steps`` is what it reads as, checked on every save. Each save is a new version: the
    answers recorded on calls name the version they followed."""

    call_type = models.CharField(
        _("call type"), max_length=32, choices=CallType.choices, blank=True, unique=True
    )
    name = models.CharField(_("name"), max_length=120)
    source = models.TextField(_("script"), validators=[MaxLengthValidator(20_000)])
    steps = models.JSONField(encoder=DjangoJSONEncoder)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("call script")
        verbose_name_plural = _("call scripts")
        ordering = ["call_type"]

    def __str__(self) -> str:
        return self.name


class CallScriptAnswer(models.Model):
    """One answer given while following a script on a call: the question and answer as they
    read then (a later edit of the script changes nothing here), and what it suggested."""

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="script_answers")
    script = models.ForeignKey(CallScript, on_delete=models.PROTECT, related_name="+")
    script_version = models.PositiveIntegerField()
    step = models.CharField(max_length=40)
    question = models.CharField(max_length=500)
    answer = models.CharField(max_length=500)
    next_step = models.CharField(max_length=40)
    suggested_call_type = models.CharField(max_length=32, choices=CallType.choices, blank=True)
    suggested_priority = models.PositiveSmallIntegerField(choices=Priority.choices, null=True, blank=True)
    answered_at = models.DateTimeField()
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("call script answer")
        verbose_name_plural = _("call script answers")
        indexes = [models.Index(fields=["call", "answered_at"], name="script_answer_call_idx")]

    def __str__(self) -> str:
        return f"#{self.call_id} {self.step}: {self.answer}"
