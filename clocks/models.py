"""Case types, their targets, and the calendars the targets are measured on."""

from zoneinfo import available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from dispatch.choices import Priority

from .choices import CalendarKind, Metric, PauseReason, TargetUnit

WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


class Calendar(models.Model):
    """When a clock runs: around the clock, or in weekly working hours closed on the country's
    public holidays, the subdivision's (a province's patron saint: ``MI`` closes on 7 December)
    and the dates listed."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=CalendarKind.choices)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Rome")
    holidays_country = models.CharField(
        _("public holidays of"),
        max_length=2,
        blank=True,
        default="IT",
        help_text=_("ISO country code; empty: no public holidays."),
    )
    holidays_subdivision = models.CharField(
        _("and of the subdivision"),
        max_length=40,
        blank=True,
        help_text=_("A province (MI, RM...) or a city the holidays library knows, for its patron saint."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("calendar")
        verbose_name_plural = _("calendars")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.time_zone not in available_timezones():
            raise ValidationError({"time_zone": _("Unknown time zone.")})


class CalendarWindow(models.Model):
    """Open hours of one weekday; an end at or before the start runs into the next day."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="windows")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=WEEKDAYS)
    start = models.TimeField(_("from"))
    end = models.TimeField(_("to"))

    class Meta:
        ordering = ["calendar", "weekday", "start"]
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="clocks_window_weekday"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"


class ClosedDate(models.Model):
    """A day a working-hours calendar is closed beyond the public holidays (a custom calendar)."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="closed_dates")
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=100, blank=True)

    class Meta:
        ordering = ["calendar", "date"]
        verbose_name = _("closed date")
        verbose_name_plural = _("closed dates")
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="clocks_closed_date_once")]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.reason}".strip()


class CaseType(models.Model):
    """A kind of case with its own targets: emergency, incident, information request..."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    default_priority = models.PositiveSmallIntegerField(
        _("default priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    verification_days = models.PositiveSmallIntegerField(
        _("verification (days)"),
        default=0,
        validators=[MaxValueValidator(60)],
        help_text=_("Days a completed case stays in verification before a supervisor may close it."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("case type")
        verbose_name_plural = _("case types")

    def __str__(self) -> str:
        return self.name


class Target(models.Model):
    """How long a case type may take for one metric, for a priority and a caller class (empty:
    any), measured on a calendar. The most specific target wins (class and priority, then
    priority, then class, then neither)."""

    case_type = models.ForeignKey(CaseType, on_delete=models.CASCADE, related_name="targets")
    metric = models.CharField(_("metric"), max_length=12, choices=Metric.choices)
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, null=True, blank=True
    )
    caller_class = models.ForeignKey(
        "routing.CallerClass",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("caller class"),
    )
    amount = models.PositiveIntegerField(_("target"), validators=[MinValueValidator(1)])
    unit = models.CharField(_("unit"), max_length=12, choices=TargetUnit.choices)
    calendar = models.ForeignKey(
        Calendar, on_delete=models.PROTECT, related_name="targets", verbose_name=_("calendar")
    )
    amber_share = models.DecimalField(
        _("amber at"),
        max_digits=3,
        decimal_places=2,
        default=0.75,
        validators=[MinValueValidator(0.05), MaxValueValidator(0.99)],
        help_text=_("Share of the target after which the clock shows amber."),
    )

    class Meta:
        ordering = ["case_type", "metric", "priority"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            # "Any" (NULL) counts as one value: one target per combination, "any" included.
            models.UniqueConstraint(
                "case_type",
                "metric",
                Coalesce("priority", Value(0)),
                Coalesce("caller_class", Value(0)),
                name="clocks_target_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_type} {self.get_metric_display()} {self.amount} {self.get_unit_display()}"


class CaseFile(models.Model):
    """An intervention's case type and what set its service level: the caller's class when it
    was opened, and its reach (plants or supply points affected)."""

    intervention = models.OneToOneField(
        "dispatch.Intervention", on_delete=models.CASCADE, primary_key=True, related_name="case_file"
    )
    case_type = models.ForeignKey(
        CaseType, on_delete=models.PROTECT, related_name="+", verbose_name=_("case type")
    )
    caller_class = models.ForeignKey(
        "routing.CallerClass",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("caller class"),
    )
    reach = models.PositiveIntegerField(
        _("plants affected"), default=1, validators=[MinValueValidator(1), MaxValueValidator(10_000_000)]
    )

    class Meta:
        verbose_name = _("case file")
        verbose_name_plural = _("case files")

    def __str__(self) -> str:
        return f"{self.intervention_id} {self.case_type}"


class Clock(models.Model):
    """One target running on one case: the target as it was when the clock started (a later
    edit of the target does not move a running clock), and its due and amber instants, worked
    out again whenever a pause starts or ends."""

    intervention = models.ForeignKey("dispatch.Intervention", on_delete=models.CASCADE, related_name="clocks")
    metric = models.CharField(_("metric"), max_length=12, choices=Metric.choices)
    amount = models.PositiveIntegerField(_("target"))
    unit = models.CharField(_("unit"), max_length=12, choices=TargetUnit.choices)
    calendar = models.ForeignKey(Calendar, on_delete=models.PROTECT, related_name="+")
    amber_share = models.DecimalField(max_digits=3, decimal_places=2)
    started_at = models.DateTimeField(_("started at"))
    due_at = models.DateTimeField(_("due at"))
    amber_at = models.DateTimeField(_("amber at"))
    # When the breach sweep was done with it: its breach recorded, or it was met in time.
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["intervention", "due_at"]
        verbose_name = _("clock")
        verbose_name_plural = _("clocks")
        constraints = [models.UniqueConstraint(fields=["intervention", "metric"], name="clocks_clock_once")]
        indexes = [
            # The breach sweep: clocks past due it has not settled.
            models.Index(
                fields=["due_at"],
                name="clocks_clock_unsettled",
                condition=Q(settled_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.intervention_id} {self.metric} due {self.due_at:%Y-%m-%d %H:%M}"


class Pause(models.Model):
    """The case waits on someone else: its clocks stop from ``started_at`` to ``ended_at``."""

    intervention = models.ForeignKey("dispatch.Intervention", on_delete=models.CASCADE, related_name="pauses")
    reason = models.CharField(_("reason"), max_length=16, choices=PauseReason.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    started_at = models.DateTimeField(_("paused at"))
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    ended_at = models.DateTimeField(_("resumed at"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["intervention", "started_at"]
        verbose_name = _("pause")
        verbose_name_plural = _("pauses")
        constraints = [
            # At most one open pause per case.
            models.UniqueConstraint(
                fields=["intervention"], condition=Q(ended_at__isnull=True), name="clocks_one_open_pause"
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="clocks_pause_ends_after",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.intervention_id} {self.reason} {self.started_at:%Y-%m-%d %H:%M}"
