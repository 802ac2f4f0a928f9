"""Teams: who works together, where, and who leads them; shifts and on-call rotas build on them."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import AreaKind, MemberRole


class Team(models.Model):
    """A regional team of operators and technicians; a second-line team takes consults from the
    first line. Its area says which plants it knows; its backup team takes over when nobody of
    its own can (after hours, nobody on call, an escalation).

    Moved here from ``routing`` (issue 18: teams, shifts and on-call rotas are shared by the
    router, the clocks and the escalations); its table keeps its name, so no row moved."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    region = models.CharField(_("region"), max_length=80, blank=True)
    is_second_line = models.BooleanField(_("second line"), default=False)
    consult_number = models.CharField(
        _("consult number"),
        max_length=32,
        blank=True,
        help_text=_("What a first-line operator dials to consult this second-line team."),
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="teams_led",
        verbose_name=_("leader"),
    )
    backup_team = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="backing",
        verbose_name=_("backup team"),
        help_text=_("Takes over when nobody of this team can: after hours, nobody on call, escalations."),
    )

    class Meta:
        db_table = "routing_team"
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        constraints = [
            models.CheckConstraint(name="team_not_its_own_backup", condition=~Q(backup_team=models.F("pk"))),
        ]

    def __str__(self) -> str:
        return self.name


class TeamMembership(models.Model):
    """A user in a team, as an operator or a field technician. A user may be in several teams
    (a technician covering two areas); the rotas and the suggestion read these rows."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_memberships"
    )
    role = models.CharField(_("as"), max_length=12, choices=MemberRole.choices)
    since = models.DateField(_("since"), null=True, blank=True)

    class Meta:
        ordering = ["team", "role", "user__username"]
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="team_member_once")]

    def __str__(self) -> str:
        return f"{self.user} in {self.team}"


class TeamArea(models.Model):
    """A piece of a team's area: one plant, a municipality, or a province (its two-letter code).
    A plant belongs to the team whose most specific piece covers it (plant, then municipality,
    then province)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="areas")
    kind = models.CharField(_("kind"), max_length=12, choices=AreaKind.choices)
    plant = models.ForeignKey(
        "dispatch.Plant",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("plant"),
    )
    name = models.CharField(
        _("municipality or province"),
        max_length=100,
        blank=True,
        help_text=_("Municipality as written on the plants; province as its two-letter code (MI, TO …)."),
    )

    class Meta:
        ordering = ["team", "kind", "name"]
        verbose_name = _("team area")
        verbose_name_plural = _("team areas")
        constraints = [
            models.CheckConstraint(
                name="team_area_plant_or_name",
                condition=(
                    Q(kind=AreaKind.PLANT, plant__isnull=False, name="")
                    | (~Q(kind=AreaKind.PLANT) & Q(plant__isnull=True) & ~Q(name=""))
                ),
            ),
            models.UniqueConstraint(fields=["team", "kind", "plant", "name"], name="team_area_once"),
        ]
        indexes = [models.Index(fields=["kind", "name"], name="team_area_by_name")]

    def __str__(self) -> str:
        return f"{self.team}: {self.plant or self.name}"


class TeamChange(models.Model):
    """One supervisor's change to a team (its fields, members, area): who, when, before, after."""

    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="changes")
    what = models.CharField(_("what"), max_length=40)
    before = models.JSONField(_("before"), null=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(_("after"), null=True, encoder=DjangoJSONEncoder)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("team change")
        verbose_name_plural = _("team changes")

    def __str__(self) -> str:
        return f"{self.what} {self.team_id}"
