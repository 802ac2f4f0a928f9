"""Retention policies, legal holds, the retention job's runs, and the log of holds and policies.

What is kept and for how long is decided here; the erasing itself is the core's
(``dispatch.services.personal_erase``). See docs/privacy.md, "Retention and legal holds".
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dispatch.choices import PersonalKind, Role
from dispatch.models import Call, Customer, Intervention
from dispatch.visibility import Visibility

SUPERVISORS = frozenset({Role.SUPERVISOR})


class RetentionPolicy(models.Model):
    """How many days personal data of ``kind`` is kept, for one customer or (no customer) for
    every customer without a policy of its own. With no row at all for a kind, the setting
    ``PRONTO_RETENTION_DAYS`` is the default. Counted from when the datum was recorded."""

    kind = models.CharField(_("kind of data"), max_length=24, choices=PersonalKind.choices)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, null=True, blank=True, related_name="retention_policies"
    )
    days = models.PositiveIntegerField(_("days kept"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(_("changed at"))

    visibility = Visibility(everyone=SUPERVISORS)

    class Meta:
        ordering = ["kind", "customer__name"]
        verbose_name = _("retention policy")
        verbose_name_plural = _("retention policies")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "customer"], name="retention_policy_customer_uniq",
                condition=Q(customer__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["kind"], name="retention_policy_default_uniq", condition=Q(customer__isnull=True)
            ),
            models.CheckConstraint(name="retention_policy_days_positive", condition=Q(days__gte=1)),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.kind} {self.customer or '*'}: {self.days} d"


class LegalHold(models.Model):
    """While active (not released, ``until`` not past), neither retention nor a person's erasure
    request touches the personal data of what it holds: a call (and its interventions), an
    intervention (and its call), or every call of a caller, by the caller's token (never the
    number). Set and released only through ``privacy.services.retention``."""

    call = models.ForeignKey(Call, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    intervention = models.ForeignKey(
        Intervention, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    caller_token = models.CharField(max_length=64, blank=True, default="")
    reason = models.TextField(_("reason"), max_length=1000)
    # The last day (local) the hold is in force.
    until = models.DateField(_("until"))
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(_("set at"))
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    visibility = Visibility(everyone=SUPERVISORS)

    class Meta:
        ordering = ["-set_at", "-id"]
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")
        indexes = [models.Index(fields=["caller_token"], name="hold_token_idx")]
        constraints = [
            models.CheckConstraint(
                name="hold_holds_one_thing",
                condition=(
                    Q(call__isnull=False, intervention__isnull=True, caller_token="")
                    | Q(call__isnull=True, intervention__isnull=False, caller_token="")
                    | (Q(call__isnull=True, intervention__isnull=True) & ~Q(caller_token=""))
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"hold #{self.pk} on {self.subject_label} until {self.until}"

    @property
    def subject_label(self) -> str:
        if self.call_id:
            return f"call #{self.call_id}"
        if self.intervention_id:
            return f"intervention #{self.intervention_id}"
        return f"caller {self.caller_token[:12]}…"


class RetentionLogImmutableError(Exception):
    """The retention log is appended to, never rewritten."""


class RetentionLogEntryQuerySet(models.QuerySet["RetentionLogEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise RetentionLogImmutableError("The retention log is append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise RetentionLogImmutableError("The retention log is append-only.")


class RetentionLogEntry(models.Model):
    """Append-only record of holds set and released and policies changed: the history of what
    has no call or intervention of its own (a caller-wide hold, a policy). A hold on a call or
    an intervention is also an event in that subject's history. A PostgreSQL trigger refuses
    UPDATE and DELETE (migration privacy/0001)."""

    kind = models.CharField(_("what"), max_length=32)
    hold = models.ForeignKey(LegalHold, on_delete=models.PROTECT, null=True, blank=True, related_name="log")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("at"))
    data = models.JSONField(_("data"), default=dict)

    objects = RetentionLogEntryQuerySet.as_manager()

    visibility = Visibility(everyone=SUPERVISORS)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("retention log entry")
        verbose_name_plural = _("retention log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise RetentionLogImmutableError("The retention log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise RetentionLogImmutableError("The retention log is append-only.")


class RetentionRun(models.Model):
    """One run of the retention job and what it did: per kind, subjects whose data it erased and
    subjects it left because their case was open or held; the batches, and the longest time a
    batch held its row locks."""

    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # {kind: {"erased": n, "skipped_open": n, "skipped_held": n}}; positions: {"erased": n}.
    counts = models.JSONField(_("counts"), default=dict)
    batches = models.PositiveIntegerField(_("batches"), default=0)
    longest_batch_ms = models.FloatField(_("longest batch (ms)"), default=0.0)
    error = models.TextField(_("error"), blank=True)

    visibility = Visibility(everyone=SUPERVISORS)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")

    def __str__(self) -> str:
        return f"retention run {self.started_at:%Y-%m-%d %H:%M}"

    def total(self, what: str) -> int:
        return sum(int(counts.get(what, 0)) for counts in self.counts.values())
