"""Customers, plants, calls, interventions and their append-only history.

Writes go through ``dispatch.services``; the guards here (refused deletes and rewrites) are the
last line behind the services, the admin and the API, and PostgreSQL triggers stand behind them
(migration 0002).
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import (
    CallbackStatus,
    CallSource,
    CallType,
    DocumentKind,
    InterventionStatus,
    PlantKind,
    PlantMatch,
    Priority,
    ReportRunKind,
    ReportRunStatus,
    Service,
    ServiceClass,
    SubjectType,
)

NOTES_MAX_LENGTH = 4000
SUMMARY_MAX_LENGTH = 2000
REASON_MAX_LENGTH = 2000


class HistoryImmutableError(Exception):
    """Raised on any attempt to delete or rewrite a record the history relies on."""


class Customer(models.Model):
    """A utility (gas distributor, water company, lift maintainer...) that hires the call centre."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    service_class = models.CharField(
        _("service class"), max_length=16, choices=ServiceClass.choices, default=ServiceClass.SILVER
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    """A person at a customer: who receives reports, who to call about its plants."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=100, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone_number = models.CharField(_("phone number"), max_length=20, blank=True, help_text=_("E.164"))
    receives_reports = models.BooleanField(_("receives reports"), default=False)

    class Meta:
        ordering = ["customer", "name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return f"{self.name} ({self.customer})"


class Plant(models.Model):
    """A plant or building a customer has us watch: gas cabin, lift, pumping station..."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="plants")
    code = models.CharField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=PlantKind.choices)
    address = models.CharField(_("address"), max_length=300, blank=True)
    municipality = models.CharField(_("municipality"), max_length=100, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    active = models.BooleanField(_("in service"), default=True)
    notes = models.TextField(_("notes"), blank=True, validators=[MaxLengthValidator(NOTES_MAX_LENGTH)])

    class Meta:
        ordering = ["code"]
        verbose_name = _("plant")
        verbose_name_plural = _("plants")
        constraints = [
            models.CheckConstraint(
                name="plant_latitude_range",
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
            ),
            models.CheckConstraint(
                name="plant_longitude_range",
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class PlantDocument(models.Model):
    """A file in the plant's archive (manuals, drawings, certificates) sent to technicians, the
    faxes sent about the plant's interventions (``kind`` fax, indexed by plant and date), and
    the photos technicians took on site (``kind`` photo, with their intervention)."""

    plant = models.ForeignKey(Plant, on_delete=models.PROTECT, related_name="documents")
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=16, choices=DocumentKind.choices, default=DocumentKind.DOCUMENT
    )
    file = models.FileField(_("file"), upload_to="plants/%Y/%m/")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    attach_to_assignments = models.BooleanField(
        _("attach to assignment emails"),
        default=False,
        help_text=_("Sent to the technician with every intervention on this plant."),
    )
    intervention = models.ForeignKey(
        "Intervention",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
        help_text=_("For a fax or a photo: the intervention it was about."),
    )

    class Meta:
        ordering = ["plant", "title"]
        verbose_name = _("plant document")
        verbose_name_plural = _("plant documents")
        indexes = [models.Index(fields=["plant", "kind", "uploaded_at"], name="plant_document_kind_idx")]

    def __str__(self) -> str:
        return self.title


class KnownNumber(models.Model):
    """A phone number that identifies a plant when it calls (a lift's alarm line, a caretaker)."""

    number = models.CharField(_("number"), max_length=20, db_index=True, help_text=_("E.164"))
    plant = models.ForeignKey(Plant, on_delete=models.CASCADE, related_name="known_numbers")
    label = models.CharField(_("label"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("known number")
        verbose_name_plural = _("known numbers")
        constraints = [
            models.UniqueConstraint(fields=["number", "plant"], name="known_number_unique_per_plant")
        ]

    def __str__(self) -> str:
        return f"{self.number} → {self.plant.code}"


class UserProfile(models.Model):
    """What Pronto needs to know of a user beyond its role: a utility user's customer, contacts."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text=_("For utility users: the only customer whose data they may see."),
    )
    mobile_number = models.CharField(_("mobile number"), max_length=20, blank=True, help_text=_("E.164"))
    # Technicians: what they can work on, whether they are on duty, and where they last were
    # (the suggestion of whom to send orders by these).
    skills = models.JSONField(
        _("skills"), default=list, blank=True, help_text=_("Plant kinds this technician works on.")
    )
    on_duty = models.BooleanField(_("on duty"), default=False)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    position_at = models.DateTimeField(_("position at"), null=True, blank=True)
    position_accuracy_m = models.PositiveIntegerField(_("position accuracy (m)"), null=True, blank=True)

    class Meta:
        verbose_name = _("user profile")
        verbose_name_plural = _("user profiles")

    def __str__(self) -> str:
        return str(self.user)

    def clean(self) -> None:
        skills = self.skills if isinstance(self.skills, list) else None
        if skills is None or any(skill not in PlantKind.values for skill in skills):
            raise ValidationError(
                {"skills": _("A list of plant kinds: %(kinds)s.") % {"kinds": ", ".join(PlantKind.values)}}
            )


class CallQuerySet(models.QuerySet):
    def delete(self):
        raise HistoryImmutableError("Calls are part of the history and cannot be deleted.")

    def update(self, **kwargs):
        raise HistoryImmutableError("Calls are changed only through dispatch.services, one by one.")

    def with_related(self):
        return self.select_related("plant", "plant__customer", "operator")


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
        _("caller number"), max_length=20, blank=True, help_text=_("E.164; empty when withheld")
    )
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

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        indexes = [
            models.Index(fields=["caller_number", "received_at"], name="call_number_time_idx"),
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
            if changed:
                raise HistoryImmutableError(
                    f"Recorded fields of an ended call cannot be changed: {', '.join(changed)}."
                )
        super().save(*args, **kwargs)
        self._loaded_recorded = {name: getattr(self, name) for name in self.RECORDED_FIELDS}

    def delete(self, *args, **kwargs):
        raise HistoryImmutableError("Calls are part of the history and cannot be deleted.")

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded_recorded = {
            name: getattr(instance, name) for name in cls.RECORDED_FIELDS if name in field_names
        }
        return instance

    @property
    def is_ended(self) -> bool:
        return self.ended_at is not None


class InterventionQuerySet(models.QuerySet):
    def delete(self):
        raise HistoryImmutableError("Interventions cannot be deleted; a supervisor may cancel one.")

    def update(self, **kwargs):
        raise HistoryImmutableError("Interventions change only through dispatch.services.")

    def with_related(self):
        return self.select_related("plant", "plant__customer", "technician", "call")

    def not_final(self):
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
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome = models.CharField(_("outcome"), max_length=500, blank=True)

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


class EventQuerySet(models.QuerySet):
    def delete(self):
        raise HistoryImmutableError("History events cannot be deleted.")

    def update(self, **kwargs):
        raise HistoryImmutableError("History events cannot be rewritten; record a correction instead.")


class Event(models.Model):
    """One entry of the append-only history: who did what to a call or intervention, and when.

    Each subject (a call, an intervention) has its own hash chain: ``seq`` counts from 1 and
    ``hash`` is an HMAC over the row's content and ``prev_hash``. Chains per subject, rather
    than one for the whole system, let unrelated writes proceed in parallel (see
    docs/adr/0001-history-hash-chains.md). Rows are never updated or deleted.
    """

    subject_type = models.CharField(max_length=16, choices=SubjectType.choices)
    subject_id = models.BigIntegerField()
    seq = models.PositiveIntegerField()
    occurred_at = models.DateTimeField(_("when"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(_("who"), max_length=150)
    kind = models.CharField(_("what"), max_length=64)
    # Looked up through event_chain_seq_unique (subject_type, subject_id, seq), which the check
    # constraint ties to these keys: separate indexes would only slow every write.
    call = models.ForeignKey(
        Call, on_delete=models.PROTECT, null=True, blank=True, related_name="events", db_index=False
    )
    intervention = models.ForeignKey(
        Intervention, on_delete=models.PROTECT, null=True, blank=True, related_name="events", db_index=False
    )
    data = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("history event")
        verbose_name_plural = _("history events")
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "seq"], name="event_chain_seq_unique"
            ),
            models.CheckConstraint(
                name="event_subject_matches_fk",
                condition=(Q(subject_type="call") & Q(call_id=models.F("subject_id")))
                | (Q(subject_type="intervention") & Q(intervention_id=models.F("subject_id"))),
            ),
        ]
        indexes = [models.Index(fields=["occurred_at"], name="event_occurred_idx")]

    def __str__(self) -> str:
        return f"{self.subject_type}:{self.subject_id}#{self.seq} {self.kind}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise HistoryImmutableError("History events cannot be rewritten; record a correction instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise HistoryImmutableError("History events cannot be deleted.")


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
    not known yet, which suggests it). Supervisors write ``source`` (dispatch/scripts.py says
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


class InterventionStep(models.Model):
    """A step the technician took on the phone (acknowledge, arrive, complete, a note), sent when
    the network allowed: the phone's id for it (each step applies once however often it is
    sent), the phone's time and the server's, and why the two look implausible, if they do."""

    step_id = models.UUIDField(unique=True)
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

    def __str__(self) -> str:
        return f"#{self.intervention_id} {self.action} {self.client_time:%Y-%m-%d %H:%M:%S}"


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
