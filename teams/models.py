"""Teams: who works together, where, and (to come) when."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Team(models.Model):
    """A regional team of operators; a second-line team takes consults from the first line.

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

    class Meta:
        db_table = "routing_team"
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name
