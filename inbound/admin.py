from django.contrib import admin

from .models import InboundItem, ReceivedFax


@admin.register(InboundItem)
class InboundItemAdmin(admin.ModelAdmin):
    list_display = ("received_at", "source", "kind", "sender", "subject", "status", "attempts")
    list_filter = ("source", "kind", "status")
    search_fields = ("message_id", "sender", "subject")
    readonly_fields = ("raw", "sha256", "message_id", "source", "kind")


@admin.register(ReceivedFax)
class ReceivedFaxAdmin(admin.ModelAdmin):
    list_display = (
        "received_at",
        "sender_number",
        "pages",
        "plant",
        "intervention",
        "matched_by",
        "filed_at",
    )
    list_filter = ("matched_by",)
    raw_id_fields = ("item", "plant", "intervention", "document")
