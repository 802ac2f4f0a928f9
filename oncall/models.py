"""On-call rotas: who of a team's technicians answers out of hours, week by week."""

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .choices import CoverKind, CoverStatus


class Rota(models.Model):
    """A team's weekly rotation: its members take turns, a week each, changing over at the
    hand-over (a weekday and a local time; at wall-clock time, so a week across a daylight-saving
    change is an hour shorter or longer). ``starts_on`` is the date of the first hand-over, when
    the first member's week begins."""

    team = models.ForeignKey(
        "teams.Team", on_delete=models.CASCADE, related_name="rotas", verbose_name=_("team")
    )
    name = models.CharField(_("name"), max_length=80)
    handover_weekday = models.PositiveSmallIntegerField(
        _("hand-over day"),
        default=0,
        validators=[MaxValueValidator(6)],
        help_text=_("0 = Monday … 6 = Sunday"),
    )
    handover_time = models.TimeField(_("hand-over time"))
    starts_on = models.DateField(_("first hand-over"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["team", "name"]
        verbose_name = _("on-call rota")
        verbose_name_plural = _("on-call rotas")
        constraints = [
            models.UniqueConstraint(fields=["team", "name"], name="rota_name_per_team"),
            models.CheckConstraint(name="rota_handover_weekday", condition=Q(handover_weekday__lte=6)),
        ]

    def __str__(self) -> str:
        return f"{self.team}: {self.name}"


class RotaMember(models.Model):
    """A technician's turn in the rotation: ``position`` 0 has the first week after ``starts_on``."""

    rota = models.ForeignKey(Rota, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rota_turns")
    position = models.PositiveSmallIntegerField(_("turn"))

    class Meta:
        ordering = ["rota", "position"]
        verbose_name = _("rota member")
        verbose_name_plural = _("rota members")
        constraints = [
            models.UniqueConstraint(fields=["rota", "position"], name="rota_member_position"),
            models.UniqueConstraint(fields=["rota", "user"], name="rota_member_once"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.user}"


class RotaCover(models.Model):
    """Someone on call instead of the rotation for a span: an override the leader sets, or a
    swap a technician asks for (``replaced`` is the one it relieves) and the leader approves.
    Only approved covers count; the latest approved wins where two overlap."""

    rota = models.ForeignKey(Rota, on_delete=models.CASCADE, related_name="covers")
    kind = models.CharField(_("kind"), max_length=10, choices=CoverKind.choices)
    status = models.CharField(_("status"), max_length=10, choices=CoverStatus.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="rota_covers",
        verbose_name=_("on call"),
    )
    replaced = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rota_covers_given",
        verbose_name=_("instead of"),
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("to"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["rota", "starts_at", "pk"]
        verbose_name = _("on-call cover")
        verbose_name_plural = _("on-call covers")
        constraints = [
            models.CheckConstraint(
                name="rota_cover_ends_after_start", condition=Q(ends_at__gt=F("starts_at"))
            ),
        ]
        indexes = [models.Index(fields=["rota", "status", "ends_at"], name="rota_cover_live")]

    def __str__(self) -> str:
        return f"{self.user} {self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%Y-%m-%d %H:%M}"


def feed_token() -> str:
    return secrets.token_urlsafe(24)


class CalendarFeed(models.Model):
    """The secret address of a person's on-call calendar (a phone's calendar subscribes to it
    without signing in, so the address is the key: it can be replaced, which ends the old one)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="oncall_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=feed_token)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("on-call calendar feed")
        verbose_name_plural = _("on-call calendar feeds")

    def __str__(self) -> str:
        return f"feed of {self.user}"
