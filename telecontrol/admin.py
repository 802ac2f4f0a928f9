"""Admin for telecontrol settings and profiles; states, checks, alarms and counters are
read-only here (they are written by the listener, the poller and the services)."""

from django.contrib import admin

from dispatch.admin import ReadOnlyAdmin

from .models import (
    PlantAlarm,
    PlantCheck,
    PlantState,
    PlantTelecontrol,
    PollerHeartbeat,
    PollerShard,
    TelecontrolProfile,
    TelemetryRejection,
)


@admin.register(PlantTelecontrol)
class PlantTelecontrolAdmin(admin.ModelAdmin):
    list_display = ("plant", "protocol", "host", "port", "unit_id", "timeout_seconds", "profile")
    list_filter = ("protocol",)
    search_fields = ("plant__code", "plant__name", "host")
    autocomplete_fields = ("plant",)


@admin.register(TelecontrolProfile)
class TelecontrolProfileAdmin(admin.ModelAdmin):
    list_display = (
        "plant_kind",
        "poll_interval_seconds",
        "stale_after_seconds",
        "expected_interval_seconds",
        "failed_polls_for_comms_loss",
    )

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PlantState)
class PlantStateAdmin(ReadOnlyAdmin):
    list_display = (
        "plant",
        "source",
        "outcome",
        "active",
        "anomaly",
        "out_of_service",
        "observed_at",
        "comms_lost",
    )
    list_filter = ("source", "outcome", "comms_lost", "anomaly", "out_of_service")
    search_fields = ("plant__code",)


@admin.register(PlantCheck)
class PlantCheckAdmin(ReadOnlyAdmin):
    list_display = ("plant", "checked_at", "source", "outcome", "call", "intervention", "requested_by")
    list_filter = ("source", "outcome")
    search_fields = ("plant__code",)
    date_hierarchy = "checked_at"


@admin.register(PlantAlarm)
class PlantAlarmAdmin(ReadOnlyAdmin):
    list_display = ("plant", "kind", "code", "raised_at", "cleared_at", "intervention")
    list_filter = ("kind", "source")
    search_fields = ("plant__code", "code", "message")


@admin.register(TelemetryRejection)
class TelemetryRejectionAdmin(ReadOnlyAdmin):
    list_display = ("reason", "count", "last_at", "last_detail")


# The pollers' leases, for a supervisor to see who polls which shard (docs/telecontrol.md); the
# pollers alone write them.
@admin.register(PollerShard)
class PollerShardAdmin(ReadOnlyAdmin):
    list_display = ("number", "holder", "expires_at", "renewed_at")
    search_fields = ("holder",)


@admin.register(PollerHeartbeat)
class PollerHeartbeatAdmin(ReadOnlyAdmin):
    list_display = ("poller_id", "started_at", "seen_at", "expires_at")
