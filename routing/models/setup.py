from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


class SetupChange(models.Model):
    """One supervisor's change to the routing catalogue (classes and their rules, skills, teams,
    lines, queues, operators' profiles): who, when, which row, and the row before and after.

    The routing rules are kept as whole published versions (``RuleSetVersion``); the catalogue
    is kept as this log instead, because its rows are what live routes and decisions point at:
    a change must act on the same row, and the log tells what it was before."""

    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        CHANGED = "changed", _("Changed")
        DELETED = "deleted", _("Deleted")

    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    model = models.CharField(_("what"), max_length=60)
    object_id = models.PositiveBigIntegerField()
    object_repr = models.CharField(_("row"), max_length=200)
    action = models.CharField(_("action"), max_length=8, choices=Action.choices)
    before = models.JSONField(_("before"), null=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(_("after"), null=True, encoder=DjangoJSONEncoder)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("routing setup change")
        verbose_name_plural = _("routing setup changes")
        indexes = [models.Index(fields=["model", "object_id"], name="routing_setup_change_row")]

    def __str__(self) -> str:
        return f"{self.action} {self.model} {self.object_id}"
