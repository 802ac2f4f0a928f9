from django.contrib import admin

from .models import CallRecording, RecordingListen, RecordingRetention


@admin.register(RecordingRetention)
class RecordingRetentionAdmin(admin.ModelAdmin):
    list_display = ("customer", "call_type", "days")
    list_filter = ("call_type",)
    raw_id_fields = ("customer",)


@admin.register(CallRecording)
class CallRecordingAdmin(admin.ModelAdmin):
    """Read only: recordings come from the phone system and go by retention, never by hand."""

    list_display = ("call", "received_at", "content_type", "size_bytes", "sha256", "deleted_at")
    list_filter = ("content_type", "source", "deleted_reason")
    search_fields = ("sha256", "call__external_id")
    readonly_fields = [field.name for field in CallRecording._meta.fields]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RecordingListen)
class RecordingListenAdmin(admin.ModelAdmin):
    list_display = ("recording", "user", "listened_at")
    readonly_fields = ("recording", "user", "listened_at")

    def has_add_permission(self, request, obj=None) -> bool:
        return False
