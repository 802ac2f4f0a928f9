"""Shifts: the patterns a month's roster is generated from, the shifts themselves (one operator,
one stretch of real time) and the minimum of operators each line needs per hour."""

from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import PatternKind, ShiftSource

# The longest block a pattern or a hand-made shift may have, wall-clock.
MAX_SHIFT_MINUTES = 16 * 60
MAX_CYCLE_DAYS = 28


class ShiftPattern(models.Model):
    """A cycle of ``cycle_days`` days; each day of it either has a work block (a
    ``PatternDay``: local start time, length and break budget) or is off. Shipped: "9h × 5/2",
    "12h × 2/2 day", "12h × 2/2 night"; supervisors add custom ones."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=12, choices=PatternKind.choices)
    cycle_days = models.PositiveSmallIntegerField(
        _("cycle (days)"), validators=[MinValueValidator(1), MaxValueValidator(MAX_CYCLE_DAYS)]
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("shift pattern")
        verbose_name_plural = _("shift patterns")
        constraints = [
            models.CheckConstraint(
                name="shift_pattern_cycle_range",
                condition=Q(cycle_days__gte=1, cycle_days__lte=MAX_CYCLE_DAYS),
            ),
            # The week's patterns read day 0 as Monday: their cycle is the week.
            models.CheckConstraint(
                name="shift_pattern_five_two_weekly",
                condition=~Q(kind=PatternKind.FIVE_TWO) | Q(cycle_days=7),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PatternDay(models.Model):
    """A working day of a pattern's cycle: from ``start`` (local wall clock) for
    ``length_minutes`` of wall clock (past midnight if it runs on), with a break budget."""

    pattern = models.ForeignKey(ShiftPattern, on_delete=models.CASCADE, related_name="days")
    index = models.PositiveSmallIntegerField(
        _("day of the cycle"), help_text=_("0 is the cycle's first day.")
    )
    start = models.TimeField(_("starts"))
    length_minutes = models.PositiveSmallIntegerField(
        _("length (minutes)"), validators=[MinValueValidator(15), MaxValueValidator(MAX_SHIFT_MINUTES)]
    )
    break_minutes = models.PositiveSmallIntegerField(_("breaks (minutes)"), default=0)

    class Meta:
        ordering = ["pattern", "index"]
        verbose_name = _("pattern day")
        verbose_name_plural = _("pattern days")
        constraints = [
            models.UniqueConstraint(fields=["pattern", "index"], name="pattern_day_once"),
            models.CheckConstraint(
                name="pattern_day_length_range",
                condition=Q(length_minutes__gte=15, length_minutes__lte=MAX_SHIFT_MINUTES),
            ),
            models.CheckConstraint(
                name="pattern_day_breaks_within", condition=Q(break_minutes__lt=F("length_minutes"))
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pattern} #{self.index} {self.start:%H:%M}+{self.length_minutes}'"


class Shift(models.Model):
    """One operator on shift from ``starts_at`` to ``ends_at`` (real instants). Made from a local
    day, start and end on the wall clock: a 19:00-07:00 night is 13 hours long the night the
    clocks go back, 11 the night they go forward. ``day`` is the local day it starts on, the
    roster's column. A user's shifts never overlap (``services.shift_save`` checks it)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shifts", verbose_name=_("operator")
    )
    team = models.ForeignKey(
        "teams.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="shifts",
        verbose_name=_("team"),
    )
    day = models.DateField(_("day"), help_text=_("The local day the shift starts on."))
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    break_minutes = models.PositiveSmallIntegerField(_("breaks (minutes)"), default=0)
    lines = models.ManyToManyField(
        "routing.Line",
        blank=True,
        related_name="shifts",
        verbose_name=_("lines"),
        help_text=_("Empty: every line."),
    )
    source = models.CharField(_("source"), max_length=12, choices=ShiftSource.choices)
    pattern = models.ForeignKey(
        ShiftPattern, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("changed by")
    )
    changed_at = models.DateTimeField(_("changed at"))

    class Meta:
        ordering = ["starts_at", "user_id"]
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        constraints = [
            models.CheckConstraint(name="shift_ends_after_start", condition=Q(ends_at__gt=F("starts_at"))),
        ]
        indexes = [
            models.Index(fields=["user", "starts_at"], name="shift_user_start"),
            models.Index(fields=["starts_at", "ends_at"], name="shift_span"),
            models.Index(fields=["team", "day"], name="shift_team_day"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def overnight(self) -> bool:
        """Ends on a later local day than it starts (one ending at midnight does not)."""
        return timezone.localtime(self.ends_at - timedelta(microseconds=1)).date() > self.day

    @property
    def real_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class LineCoverageMinimum(models.Model):
    """At least ``minimum`` operators on shift for ``line`` on the given weekdays, every local
    hour from ``from_hour`` up to (not including) ``to_hour``. A night needs two rows (19-24 and
    0-7); where rows overlap the highest minimum holds."""

    line = models.ForeignKey(
        "routing.Line", on_delete=models.CASCADE, related_name="coverage_minimums", verbose_name=_("line")
    )
    weekdays = models.CharField(
        _("weekdays"),
        max_length=7,
        default="0123456",
        validators=[
            RegexValidator(r"^(?!.*(.).*\1)[0-6]{1,7}$", _("Digits 0 (Monday) to 6 (Sunday), each once."))
        ],
        help_text=_("Digits 0 (Monday) to 6 (Sunday)."),
    )
    from_hour = models.PositiveSmallIntegerField(_("from hour"), validators=[MaxValueValidator(23)])
    to_hour = models.PositiveSmallIntegerField(
        _("to hour"), validators=[MinValueValidator(1), MaxValueValidator(24)], help_text=_("Not included.")
    )
    minimum = models.PositiveSmallIntegerField(
        _("minimum operators"), validators=[MinValueValidator(1), MaxValueValidator(500)]
    )

    class Meta:
        ordering = ["line", "from_hour"]
        verbose_name = _("line coverage minimum")
        verbose_name_plural = _("line coverage minimums")
        constraints = [
            models.CheckConstraint(
                name="coverage_hours_in_order", condition=Q(from_hour__lt=F("to_hour"), to_hour__lte=24)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.line}: {self.minimum} from {self.from_hour} to {self.to_hour}"

    def applies(self, weekday: int, hour: int) -> bool:
        return str(weekday) in self.weekdays and self.from_hour <= hour < self.to_hour
