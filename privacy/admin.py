"""Supervisors read the retention side in the admin; every change goes through the pages and
their services (a hold leaves an event in its subject's history, a policy a log entry)."""

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.http import HttpRequest

from dispatch.choices import Role
from dispatch.roles import has_role

from .models import LegalHold, RetentionLogEntry, RetentionPolicy, RetentionRun

if TYPE_CHECKING:
    _ModelAdmin = admin.ModelAdmin[Any]
else:  # ModelAdmin is generic only in the stubs
    _ModelAdmin = admin.ModelAdmin


class SupervisorReadOnlyAdmin(_ModelAdmin):
    """Read-only, and only for staff who are supervisors: the admin's own is_staff check is not
    a role."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return has_role(request.user, Role.SUPERVISOR) and super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return has_role(request.user, Role.SUPERVISOR) and request.user.is_staff

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(SupervisorReadOnlyAdmin):
    list_display = ("kind", "customer", "days", "changed_by", "changed_at")
    list_filter = ("kind",)


@admin.register(LegalHold)
class LegalHoldAdmin(SupervisorReadOnlyAdmin):
    list_display = ("id", "subject_label", "until", "set_by", "set_at", "released_at")
    list_filter = ("until",)


@admin.register(RetentionRun)
class RetentionRunAdmin(SupervisorReadOnlyAdmin):
    list_display = ("started_at", "finished_at", "batches", "longest_batch_ms", "counts", "error")


@admin.register(RetentionLogEntry)
class RetentionLogEntryAdmin(SupervisorReadOnlyAdmin):
    list_display = ("at", "kind", "actor", "hold", "data")
    list_filter = ("kind",)
