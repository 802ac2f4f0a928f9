from django.contrib import admin

from .models import Complaint, SurveyOptOut, SurveyRequest


@admin.register(SurveyRequest)
class SurveyRequestAdmin(admin.ModelAdmin):
    list_display = ["call", "sent_at", "score", "answered_at"]
    readonly_fields = [f.name for f in SurveyRequest._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(SurveyOptOut)
class SurveyOptOutAdmin(admin.ModelAdmin):
    list_display = ["number", "how", "created_at"]
    readonly_fields = ["created_at", "how", "created_by"]


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    list_display = ["pk", "opened_at", "source", "score", "status"]
    list_filter = ["status", "source"]
    readonly_fields = [f.name for f in Complaint._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
