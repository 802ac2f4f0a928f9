"""The append-only history: one hash-chained event per change of a call or an intervention."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dispatch.choices import (
    SubjectType,
)
from dispatch.models.calls import Call
from dispatch.models.common import HistoryImmutableError
from dispatch.models.interventions import Intervention


class EventQuerySet(models.QuerySet):
    def delete(self):
        raise HistoryImmutableError("History events cannot be deleted.")

    def update(self, **kwargs):
        raise HistoryImmutableError("History events cannot be rewritten; record a correction instead.")


class Event(models.Model):
    """One entry of the append-only history: who did what to a call or intervention, and when.

    Each subject (a call, an intervention) has its own hash chain: ``seq`` counts from 1 and
    ``hash`` is an HMAC over the row's content and ``prev_hash``. Chains per subject, rather
    than one for the whole system, let unrelated writes proceed in parallel (see
    docs/adr/0001-history-hash-chains.md). Rows are never updated or deleted.

    On PostgreSQL the table is partitioned by month of ``occurred_at`` (migration 0029, ADR 0003):
    the database's primary key is ``(id, occurred_at)`` (``id`` stays Django's pk, from one
    sequence), and a trigger, not the unique key, keeps each chain's ``seq`` unique and gapless. A
    foreign key to ``Event`` would need both columns: refer to one with ``db_constraint=False``.
    """

    subject_type = models.CharField(max_length=16, choices=SubjectType.choices)
    subject_id = models.BigIntegerField()
    seq = models.PositiveIntegerField()
    occurred_at = models.DateTimeField(_("when"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(_("who"), max_length=150)
    kind = models.CharField(_("what"), max_length=64)
    # Looked up through event_chain_seq_unique (subject_type, subject_id, seq), which the check
    # constraint ties to these keys: separate indexes would only slow every write.
    call = models.ForeignKey(
        Call, on_delete=models.PROTECT, null=True, blank=True, related_name="events", db_index=False
    )
    intervention = models.ForeignKey(
        Intervention, on_delete=models.PROTECT, null=True, blank=True, related_name="events", db_index=False
    )
    data = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("history event")
        verbose_name_plural = _("history events")
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "seq"], name="event_chain_seq_unique"
            ),
            models.CheckConstraint(
                name="event_subject_matches_fk",
                condition=(Q(subject_type="call") & Q(call_id=models.F("subject_id")))
                | (Q(subject_type="intervention") & Q(intervention_id=models.F("subject_id"))),
            ),
        ]
        indexes = [models.Index(fields=["occurred_at"], name="event_occurred_idx")]

    def __str__(self) -> str:
        return f"{self.subject_type}:{self.subject_id}#{self.seq} {self.kind}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise HistoryImmutableError("History events cannot be rewritten; record a correction instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise HistoryImmutableError("History events cannot be deleted.")
