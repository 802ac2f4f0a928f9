"""People's requests about their data, and the log of who read a person's data.

Both are evidence (GDPR art. 5(2): the controller shows it complied), so both only grow: a
request's facts never change once recorded, each change of its state is a new
``PersonalRequestStep``, and access log entries are never changed or deleted. The model
guards refuse through the ORM; on PostgreSQL, triggers (migration 0001) refuse any other way.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Self, TypeVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dispatch.choices import STAFF_ROLES, Role
from dispatch.models import Call, Intervention, PlantDocument
from dispatch.models.common import HistoryImmutableError
from dispatch.visibility import Visibility
from privacy.choices import AccessKind, RequestKind, RequestStatus

REQUESTER_MAX_LENGTH = 200
IDENTITY_CHECK_MAX_LENGTH = 500
REASON_MAX_LENGTH = 300


class PersonalRequestQuerySet(models.QuerySet["PersonalRequest"]):
    def delete(self) -> tuple[int, dict[str, int]]:
        raise HistoryImmutableError("People's requests are evidence: never deleted.")

    def update(self, **kwargs: Any) -> int:
        raise HistoryImmutableError("A request changes only through privacy.services, one by one.")


class PersonalRequest(models.Model):
    """A person's request about the data held on a phone number: access or erasure.

    ``number`` (E.164) and ``caller_token`` are what the request needs to be answered: the
    number for the people answering it, the token to find every call of the number, erased
    ones too. The answer empties both, in its transaction; from then on the request names the
    calls it reached only by id (``outcome``). ``status`` is the latest of its steps.
    """

    # The facts of the request: never changed once recorded.
    IMMUTABLE_FIELDS = ("kind", "requester", "identity_check", "received_at", "recorded_at", "recorded_by_id")

    kind = models.CharField(_("kind"), max_length=16, choices=RequestKind.choices)
    number = models.CharField(_("phone number"), max_length=20, blank=True, help_text=_("E.164"))
    caller_token = models.CharField(max_length=64, blank=True)
    requester = models.CharField(_("who asked"), max_length=REQUESTER_MAX_LENGTH)
    identity_check = models.CharField(_("how identity was checked"), max_length=IDENTITY_CHECK_MAX_LENGTH)
    received_at = models.DateTimeField(_("received at"))
    recorded_at = models.DateTimeField(_("recorded at"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=16, choices=RequestStatus.choices, default=RequestStatus.RECEIVED
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    # What the answer did: the calls (and interventions) exported, erased or kept, and why.
    outcome = models.JSONField(_("outcome"), default=dict, blank=True)

    objects = PersonalRequestQuerySet.as_manager()

    visibility = Visibility(everyone=STAFF_ROLES)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("request from a person")
        verbose_name_plural = _("requests from people")
        indexes = [models.Index(fields=["status", "received_at"], name="privacy_request_status_idx")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} ({self.get_status_display()})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        loaded = getattr(self, "_loaded", None)
        if loaded is not None:
            changed = [name for name, value in loaded.items() if getattr(self, name) != value]
            if changed:
                raise HistoryImmutableError(f"A request's facts cannot be changed: {', '.join(changed)}.")
        super().save(*args, **kwargs)
        self._loaded = {name: getattr(self, name) for name in self.IMMUTABLE_FIELDS}

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise HistoryImmutableError("People's requests are evidence: never deleted.")

    @classmethod
    def from_db(
        cls, db: str | None, field_names: Collection[str], values: Collection[Any], **kwargs: Any
    ) -> Self:
        instance = super().from_db(db, field_names, values, **kwargs)
        instance._loaded = {name: getattr(instance, name) for name in cls.IMMUTABLE_FIELDS}
        return instance


M = TypeVar("M", bound=models.Model)


class AppendOnlyQuerySet(models.QuerySet[M]):
    def delete(self) -> tuple[int, dict[str, int]]:
        raise HistoryImmutableError(f"{self.model._meta.verbose_name_plural} only grow: never deleted.")

    def update(self, **kwargs: Any) -> int:
        raise HistoryImmutableError(f"{self.model._meta.verbose_name_plural} only grow: never changed.")


class AppendOnly(models.Model):
    """A row that is written once: refused when saved again or deleted."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise HistoryImmutableError(f"A {self._meta.verbose_name} is written once, never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise HistoryImmutableError(f"A {self._meta.verbose_name} is never deleted.")


class PersonalRequestStep(AppendOnly):
    """One change of a request's state, who made it and what it did: the request's own history."""

    request = models.ForeignKey(PersonalRequest, on_delete=models.PROTECT, related_name="steps")
    status = models.CharField(_("status"), max_length=16, choices=RequestStatus.choices)
    at = models.DateTimeField(_("when"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    outcome = models.JSONField(_("outcome"), default=dict, blank=True)

    objects = AppendOnlyQuerySet["PersonalRequestStep"].as_manager()

    visibility = Visibility(everyone=STAFF_ROLES)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("request step")
        verbose_name_plural = _("request steps")

    def __str__(self) -> str:
        return f"#{self.request_id} {self.status} {self.at:%Y-%m-%d %H:%M}"


class AccessLogEntry(AppendOnly):
    """Someone read a person's data: a call's page or history, an intervention's history, a
    photo, an export. ``caller_token`` is the caller's pseudonym where the row read has one (it
    is what "who looked at this number" searches by, and it outlives the number)."""

    at = models.DateTimeField(_("when"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    user_label = models.CharField(_("who"), max_length=150)
    kind = models.CharField(_("what"), max_length=32, choices=AccessKind.choices)
    caller_token = models.CharField(max_length=64, blank=True)
    # Indexed by the (row, at) indexes below, which start with them.
    call = models.ForeignKey(
        Call, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    intervention = models.ForeignKey(
        Intervention, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    document = models.ForeignKey(
        PlantDocument, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    request = models.ForeignKey(
        PersonalRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(_("why"), max_length=REASON_MAX_LENGTH, blank=True)

    objects = AppendOnlyQuerySet["AccessLogEntry"].as_manager()

    visibility = Visibility(everyone=frozenset({Role.SUPERVISOR}))

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log entries")
        indexes = [
            models.Index(fields=["caller_token", "at"], name="privacy_access_token_idx"),
            models.Index(fields=["call", "at"], name="privacy_access_call_idx"),
            models.Index(fields=["intervention", "at"], name="privacy_access_interv_idx"),
            models.Index(fields=["at"], name="privacy_access_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_label} {self.kind} {self.at:%Y-%m-%d %H:%M}"
