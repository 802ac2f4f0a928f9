"""Personal data kept apart from the history that refers to it (ADR 0002).

An event's data holds, where a person's data would be, a reference to a ``PersonalDatum``: the
row's commitment (a keyed hash over its salt and value). The event's digest covers the
commitment, so the value can be erased (the row keeps salt and commitment, loses the value)
without breaking the chain, and a value changed while it exists no longer matches its
commitment (``verify_history`` says so).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from dispatch.choices import STAFF_ROLES, PersonalKind
from dispatch.models.calls import Call
from dispatch.models.common import HistoryImmutableError
from dispatch.models.interventions import Intervention
from dispatch.visibility import Visibility


class PersonalDatumQuerySet(models.QuerySet["PersonalDatum"]):
    def delete(self):
        raise HistoryImmutableError("Personal data is erased (its value dropped), never deleted.")


class PersonalDatum(models.Model):
    """One piece of a person's data that a history event refers to: a caller's number, a note."""

    kind = models.CharField(_("kind"), max_length=24, choices=PersonalKind.choices)
    # Null once erased; the JSON of what the event would otherwise have held.
    value = models.JSONField(_("value"), null=True, blank=True)
    salt = models.CharField(max_length=32)
    commitment = models.CharField(max_length=64, unique=True)
    # The subject whose history refers to it: what retention and erasure select by.
    call = models.ForeignKey(
        Call, on_delete=models.PROTECT, null=True, blank=True, related_name="personal_data"
    )
    intervention = models.ForeignKey(
        Intervention, on_delete=models.PROTECT, null=True, blank=True, related_name="personal_data"
    )
    created_at = models.DateTimeField(_("recorded at"))
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True)
    # Why: "retention:<policy>" or "request:<id>".
    erased_because = models.CharField(_("erased because"), max_length=64, blank=True)

    objects = PersonalDatumQuerySet.as_manager()

    visibility = Visibility(everyone=STAFF_ROLES)

    class Meta:
        verbose_name = _("personal datum")
        verbose_name_plural = _("personal data")
        # No index beyond the foreign keys' and the commitment's: every call writes these rows,
        # and retention walks them by subject (call_id / intervention_id), not by time.

    def __str__(self) -> str:
        return f"{self.kind} {self.commitment[:12]}{' (erased)' if self.erased_at else ''}"

    def delete(self, *args, **kwargs):
        raise HistoryImmutableError("Personal data is erased (its value dropped), never deleted.")
