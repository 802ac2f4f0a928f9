"""Admin: contact points are edited here; notifications, attempts and the outbox are read-only
(the services write them)."""

from django.contrib import admin

from dispatch.admin import ReadOnlyAdmin

from .models import ContactPoint, Notification, NotificationAttempt, OutboxMessage


@admin.register(ContactPoint)
class ContactPointAdmin(admin.ModelAdmin):
    list_display = ("user", "channel", "address", "position", "active")
    list_filter = ("channel", "active")
    search_fields = ("user__username", "address")
    autocomplete_fields = ("user",)


class NotificationAttemptInline(admin.TabularInline):
    model = NotificationAttempt
    extra = 0
    can_delete = False
    fields = ("number", "started_at", "finished_at", "outcome", "gateway_id", "detail")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "intervention",
        "reason",
        "channel",
        "recipient",
        "status",
        "attempts",
        "created_at",
    )
    list_filter = ("status", "channel", "reason")
    search_fields = ("recipient", "gateway_id", "idempotency_key")
    inlines = [NotificationAttemptInline]


@admin.register(NotificationAttempt)
class NotificationAttemptAdmin(ReadOnlyAdmin):
    list_display = ("notification", "number", "started_at", "outcome", "gateway_id")
    list_filter = ("outcome",)


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ("stored_at", "channel", "recipient", "subject")
    list_filter = ("channel",)
    search_fields = ("recipient", "subject", "body")
