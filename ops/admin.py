from django.contrib import admin

from .models import ProcessHeartbeat


@admin.register(ProcessHeartbeat)
class ProcessHeartbeatAdmin(admin.ModelAdmin):
    """Read-only: the processes write their own heartbeats."""

    list_display = ("kind", "instance", "seen_at")
    list_filter = ("kind",)
    readonly_fields = ("kind", "instance", "seen_at")

    def has_add_permission(self, request) -> bool:
        return False
