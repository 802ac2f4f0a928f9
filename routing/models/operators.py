from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from routing.choices import OperatorState, PauseReason, SkillKind


class Skill(models.Model):
    """What an operator can handle: a service (gas, lifts...), a customer, a language."""

    kind = models.CharField(_("kind"), max_length=16, choices=SkillKind.choices)
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=80)

    class Meta:
        ordering = ["kind", "code"]
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        constraints = [models.UniqueConstraint(fields=["kind", "code"], name="routing_skill_unique")]

    def __str__(self) -> str:
        return self.name


class Line(models.Model):
    """A number (exchange line) the centre answers; its fallback is another centre's number."""

    number = models.CharField(_("number"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=80)
    customer = models.ForeignKey(
        "dispatch.Customer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    fallback_uri = models.CharField(
        _("off-hours fallback"),
        max_length=200,
        blank=True,
        help_text=_("SIP URI or number of the centre that answers when this one is closed."),
    )
    on_call_team = models.ForeignKey(
        "teams.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("off hours: on call of"),
        help_text=_(
            "A forward without a number rings the mobile of whoever is on call for this team (or "
            "its backup team) before the fallback."
        ),
    )

    class Meta:
        ordering = ["number"]
        verbose_name = _("line")
        verbose_name_plural = _("lines")

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class OperatorProfile(models.Model):
    """An operator as the router sees them: phone, skills, team, lines, and the live state."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="routing_profile"
    )
    extension = models.CharField(_("extension"), max_length=32, blank=True)
    sip_uri = models.CharField(_("SIP URI"), max_length=200, blank=True)
    team = models.ForeignKey(
        "teams.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="members"
    )
    skills = models.ManyToManyField(Skill, blank=True, related_name="operators", verbose_name=_("skills"))
    lines = models.ManyToManyField(
        Line,
        blank=True,
        related_name="operators",
        verbose_name=_("lines"),
        help_text=_("Empty: enabled for every line."),
    )
    wrap_up_seconds = models.PositiveIntegerField(
        _("wrap-up (s)"), default=30, validators=[MaxValueValidator(900)]
    )
    state = models.CharField(
        _("state"), max_length=16, choices=OperatorState.choices, default=OperatorState.SIGNED_OFF
    )
    state_since = models.DateTimeField(_("state since"))
    # Longest idle first: when the operator last became free to take a call.
    idle_since = models.DateTimeField(null=True, blank=True)
    wrap_up_until = models.DateTimeField(null=True, blank=True)
    pause_reason = models.CharField(_("pause reason"), max_length=16, choices=PauseReason.choices, blank=True)
    current_call = models.ForeignKey(
        "dispatch.Call", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["user__username"]
        verbose_name = _("operator profile")
        verbose_name_plural = _("operator profiles")
        indexes = [models.Index(fields=["state", "idle_since"], name="routing_operator_idle")]

    def __str__(self) -> str:
        return str(self.user)


class OperatorStateChange(models.Model):
    """Every state an operator went through, with why: the base of occupancy statistics."""

    operator = models.ForeignKey(OperatorProfile, on_delete=models.CASCADE, related_name="state_changes")
    state = models.CharField(max_length=16, choices=OperatorState.choices)
    reason = models.CharField(max_length=16, blank=True)
    at = models.DateTimeField()
    call = models.ForeignKey(
        "dispatch.Call", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["operator", "at"], name="routing_state_change_at")]

    def __str__(self) -> str:
        return f"{self.operator} {self.state} {self.at:%Y-%m-%d %H:%M:%S}"
