from django.conf import settings
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from routing.choices import ClassRuleKind

DIGITS_PREFIX = RegexValidator(r"^\+?[0-9]{1,15}$", _("A number prefix is digits, optionally after a +."))


class CallerClass(models.Model):
    """A class of callers (VIP, critical user, Business, Gold, Silver, Copper): the lower the rank,
    the sooner the call is answered."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=80)
    rank = models.PositiveSmallIntegerField(_("rank"), help_text=_("0 is served first."))
    is_vip = models.BooleanField(_("VIP"), default=False, help_text=_("Straight to their personal manager."))
    is_critical = models.BooleanField(
        _("critical user"), default=False, help_text=_("Hospitals and the like: never left waiting.")
    )
    answer_target_seconds = models.PositiveIntegerField(
        _("answer within (s)"), default=120, validators=[MaxValueValidator(3600)]
    )

    class Meta:
        ordering = ["rank", "code"]
        verbose_name = _("caller class")
        verbose_name_plural = _("caller classes")

    def __str__(self) -> str:
        return self.name


class CallerClassRule(models.Model):
    """What puts a caller in a class: a known number, a plant, a customer contract or a prefix.
    A known number may name the caller's personal manager (VIPs go straight to them)."""

    caller_class = models.ForeignKey(CallerClass, on_delete=models.CASCADE, related_name="rules")
    kind = models.CharField(_("kind"), max_length=16, choices=ClassRuleKind.choices)
    number = models.CharField(_("number"), max_length=20, blank=True, help_text=_("E.164"))
    prefix = models.CharField(_("number prefix"), max_length=16, blank=True, validators=[DIGITS_PREFIX])
    customer = models.ForeignKey(
        "dispatch.Customer", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    plant = models.ForeignKey(
        "dispatch.Plant", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    personal_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("personal manager"),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["kind", "pk"]
        verbose_name = _("caller class rule")
        verbose_name_plural = _("caller class rules")
        constraints = [
            models.CheckConstraint(
                name="routing_class_rule_target",
                condition=(
                    models.Q(kind=ClassRuleKind.NUMBER, number__gt="")
                    | models.Q(kind=ClassRuleKind.PREFIX, prefix__gt="")
                    | models.Q(kind=ClassRuleKind.CUSTOMER, customer__isnull=False)
                    | models.Q(kind=ClassRuleKind.PLANT, plant__isnull=False)
                ),
            ),
        ]
        indexes = [models.Index(fields=["number"], name="routing_class_rule_number")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.caller_class}"
