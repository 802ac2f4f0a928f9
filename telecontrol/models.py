"""Telecontrol: how plants are reached, what they last said, what was checked and which alarms
are up.

``PlantState`` is the one mutable row per plant (the board reads it); ``PlantCheck`` rows and
``PlantAlarm`` rows are records: checks are never changed or deleted, alarms are only cleared.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dispatch.choices import PlantKind
from dispatch.models import Call, HistoryImmutableError, Intervention, Plant

from .choices import AlarmKind, CheckOutcome, Protocol, RejectionReason
from .register_maps import default_register_map, register_map_validate


class TelecontrolProfile(models.Model):
    """How plants of one kind are read and watched: the register map, how old data may be before
    it is stale, and how long a plant may stay silent before communication counts as lost.

    A lift's alarm device places a test call at least every 3 days (EN 81-28): the lift profile
    expects a sign of life within that interval."""

    plant_kind = models.CharField(_("plant kind"), max_length=32, choices=PlantKind.choices, unique=True)
    register_map = models.JSONField(
        _("Modbus register map"), default=default_register_map, validators=[register_map_validate]
    )
    poll_interval_seconds = models.PositiveIntegerField(
        _("poll every (s)"), default=60, validators=[MinValueValidator(5)]
    )
    stale_after_seconds = models.PositiveIntegerField(
        _("data stale after (s)"), default=300, validators=[MinValueValidator(1)]
    )
    expected_interval_seconds = models.PositiveIntegerField(
        _("expected sign of life every (s)"),
        default=900,
        validators=[MinValueValidator(10)],
        help_text=_("Silence longer than this raises a communication-loss alarm."),
    )
    failed_polls_for_comms_loss = models.PositiveSmallIntegerField(
        _("failed polls before communication loss"), default=3, validators=[MinValueValidator(1)]
    )

    class Meta:
        verbose_name = _("telecontrol profile")
        verbose_name_plural = _("telecontrol profiles")
        ordering = ["plant_kind"]

    def __str__(self) -> str:
        return self.get_plant_kind_display()


class PlantTelecontrol(models.Model):
    """A plant's telecontrol settings: protocol, address and timeout."""

    plant = models.OneToOneField(Plant, on_delete=models.CASCADE, related_name="telecontrol")
    protocol = models.CharField(_("protocol"), max_length=16, choices=Protocol.choices, default=Protocol.NONE)
    host = models.CharField(_("host"), max_length=255, blank=True)
    port = models.PositiveIntegerField(
        _("port"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(65535)]
    )
    unit_id = models.PositiveSmallIntegerField(
        _("Modbus unit id"), default=1, validators=[MinValueValidator(0), MaxValueValidator(255)]
    )
    timeout_seconds = models.DecimalField(
        _("timeout (s)"),
        max_digits=5,
        decimal_places=2,
        default=3,
        validators=[MinValueValidator(0.1), MaxValueValidator(60)],
    )
    mqtt_code = models.CharField(
        _("MQTT plant code"), max_length=64, blank=True, help_text=_("Defaults to the plant's code.")
    )
    profile = models.ForeignKey(
        TelecontrolProfile,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("profile"),
        help_text=_("Defaults to the profile of the plant's kind."),
    )

    class Meta:
        verbose_name = _("plant telecontrol")
        verbose_name_plural = _("plant telecontrol")

    def __str__(self) -> str:
        return f"{self.plant.code}: {self.get_protocol_display()}"

    @property
    def topic_code(self) -> str:
        return self.mqtt_code or self.plant.code


class PlantReading(models.Model):
    """What a plant reports: the fields a state and a check share."""

    active = models.BooleanField(_("active"), null=True)
    anomaly = models.BooleanField(_("anomaly"), null=True)
    out_of_service = models.BooleanField(_("out of service"), null=True)
    alarm_code = models.CharField(_("alarm code"), max_length=64, blank=True)
    measurements = models.JSONField(_("measurements"), default=dict, blank=True)
    observed_at = models.DateTimeField(_("data from"), null=True, blank=True)

    class Meta:
        abstract = True


class PlantState(PlantReading):
    """The latest known state of a plant, kept by the telemetry listener and the fleet poller.

    ``observed_at`` is when the plant produced the data (its own timestamp for MQTT), so the
    data's age is never mistaken for the time we received it."""

    # Everything but the plant and ``watched_since``: what the API shows and a batch rewrites.
    REPORTED_FIELDS = (
        "source",
        "outcome",
        "active",
        "anomaly",
        "out_of_service",
        "alarm_code",
        "measurements",
        "observed_at",
        "last_ok_at",
        "last_attempt_at",
        "consecutive_failures",
        "error",
        "comms_lost",
        "comms_lost_since",
    )

    plant = models.OneToOneField(Plant, on_delete=models.CASCADE, primary_key=True, related_name="+")
    source = models.CharField(_("source"), max_length=16, choices=Protocol.choices)
    outcome = models.CharField(_("last outcome"), max_length=16, choices=CheckOutcome.choices)
    last_ok_at = models.DateTimeField(_("last answer"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    watched_since = models.DateTimeField(_("watched since"))
    consecutive_failures = models.PositiveIntegerField(_("consecutive failures"), default=0)
    error = models.CharField(_("last error"), max_length=300, blank=True)
    comms_lost = models.BooleanField(_("communication lost"), default=False)
    comms_lost_since = models.DateTimeField(_("communication lost since"), null=True, blank=True)

    class Meta:
        verbose_name = _("plant state")
        verbose_name_plural = _("plant states")
        indexes = [models.Index(fields=["comms_lost"], name="plant_state_comms_idx")]

    def __str__(self) -> str:
        return f"{self.plant_id}: {self.outcome}"


class ImmutableQuerySet(models.QuerySet):
    def delete(self):
        raise HistoryImmutableError("Telecontrol checks are records and cannot be deleted.")

    def update(self, **kwargs):
        raise HistoryImmutableError("Telecontrol checks are records and cannot be changed.")


class PlantCheck(PlantReading):
    """One live check of a plant, as the operator saw it. Checks made for a call or an
    intervention are also written into that subject's history chain."""

    plant = models.ForeignKey(Plant, on_delete=models.PROTECT, related_name="+")
    # Reports join a call's checks (time to the first telecontrol check).
    call = models.ForeignKey(
        Call, on_delete=models.PROTECT, null=True, blank=True, related_name="plant_checks"
    )
    intervention = models.ForeignKey(
        Intervention, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source = models.CharField(_("source"), max_length=16, choices=Protocol.choices)
    outcome = models.CharField(_("outcome"), max_length=16, choices=CheckOutcome.choices)
    reachable = models.BooleanField(_("reachable"))
    data_age_seconds = models.FloatField(_("data age (s)"), null=True, blank=True)
    stale = models.BooleanField(_("stale"), default=False)
    error = models.CharField(_("error"), max_length=300, blank=True)
    checked_at = models.DateTimeField(_("checked at"))
    duration_ms = models.FloatField(_("took (ms)"))

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        verbose_name = _("plant check")
        verbose_name_plural = _("plant checks")
        ordering = ["-checked_at"]
        indexes = [models.Index(fields=["plant", "checked_at"], name="plant_check_plant_time_idx")]

    def __str__(self) -> str:
        return f"{self.plant_id} {self.checked_at:%Y-%m-%d %H:%M:%S}: {self.outcome}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise HistoryImmutableError("Telecontrol checks are records and cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise HistoryImmutableError("Telecontrol checks are records and cannot be deleted.")


class PlantAlarm(models.Model):
    """An alarm on a plant, from its flags, its own alarm messages or its silence.

    At most one alarm per plant and ``key`` is up at a time (a partial unique constraint), so
    a repeated message never raises it twice. Alarms are cleared, never deleted."""

    plant = models.ForeignKey(Plant, on_delete=models.PROTECT, related_name="+")
    key = models.CharField(_("key"), max_length=80)
    kind = models.CharField(_("kind"), max_length=16, choices=AlarmKind.choices)
    code = models.CharField(_("code"), max_length=64, blank=True)
    message = models.CharField(_("message"), max_length=500, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=Protocol.choices)
    raised_at = models.DateTimeField(_("raised at"))
    cleared_at = models.DateTimeField(_("cleared at"), null=True, blank=True)
    intervention = models.ForeignKey(
        Intervention, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("plant alarm")
        verbose_name_plural = _("plant alarms")
        ordering = ["-raised_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["plant", "key"],
                condition=Q(cleared_at__isnull=True),
                name="plant_alarm_one_up_per_key",
            )
        ]
        indexes = [models.Index(fields=["plant", "cleared_at"], name="plant_alarm_plant_idx")]

    def __str__(self) -> str:
        return f"{self.plant_id} {self.key}"

    def delete(self, *args, **kwargs):
        raise HistoryImmutableError("Alarms are cleared, never deleted.")


class TelemetryRejection(models.Model):
    """Counts of telemetry messages refused, by reason, with the latest example."""

    reason = models.CharField(_("reason"), max_length=16, choices=RejectionReason.choices, unique=True)
    count = models.PositiveBigIntegerField(_("count"), default=0)
    last_at = models.DateTimeField(_("last at"), null=True, blank=True)
    last_detail = models.CharField(_("last example"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("telemetry rejection")
        verbose_name_plural = _("telemetry rejections")

    def __str__(self) -> str:
        return f"{self.reason}: {self.count}"


class PollerShard(models.Model):
    """One of ``PRONTO_POLL_SHARDS`` slices of the Modbus plants (a plant is in shard
    ``plant id % shards``), leased to at most one ``telemetry_poll`` process at a time.

    ``holder`` empty: free. A lease is only taken or kept by a conditional UPDATE
    (``telecontrol.services.leases``), so one row names one holder and two pollers never hold
    it; past ``expires_at`` (the holder's clock when it renewed, plus the lease) anyone may take it."""

    number = models.PositiveIntegerField(_("shard"), primary_key=True)
    holder = models.CharField(_("held by"), max_length=200, blank=True)
    expires_at = models.DateTimeField(_("lease expires at"), null=True, blank=True)
    renewed_at = models.DateTimeField(_("lease renewed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("poller shard")
        verbose_name_plural = _("poller shards")
        ordering = ["number"]

    def __str__(self) -> str:
        return f"shard {self.number}: {self.holder or '-'}"


class PollerHeartbeat(models.Model):
    """A running ``telemetry_poll``, as the other pollers see it: they divide the shards by the
    number of rows whose heartbeat has not expired. Written with each lease round; deleted on a
    clean stop, or by another poller some time after it expired."""

    poller_id = models.CharField(_("poller"), max_length=200, primary_key=True)
    started_at = models.DateTimeField(_("started at"))
    seen_at = models.DateTimeField(_("last heartbeat"))
    expires_at = models.DateTimeField(_("heartbeat expires at"))

    class Meta:
        verbose_name = _("poller heartbeat")
        verbose_name_plural = _("poller heartbeats")
        ordering = ["poller_id"]

    def __str__(self) -> str:
        return self.poller_id


class CallCheckSummary(models.Model):
    """Per call, its first telecontrol check (a database view, migration 0006), for reports."""

    call = models.OneToOneField(
        Call, primary_key=True, on_delete=models.DO_NOTHING, related_name="check_summary", db_column="call_id"
    )
    first_checked_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "telecontrol_call_check_summary"

    def __str__(self) -> str:
        return f"call {self.call_id}"
