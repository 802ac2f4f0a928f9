"""Admin for reference data; calls, interventions and history are read-only here.

Interventions change only through the same services as the API: the admin actions below call
them, so the close stays a supervisor's and every change leaves its event.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from . import services
from .choices import Role
from .errors import TransitionNotAllowed
from .models import (
    Call,
    Callback,
    CallScript,
    CallScriptAnswer,
    Contact,
    Customer,
    Event,
    Intervention,
    InterventionAssignment,
    InterventionStep,
    KnownNumber,
    PersonalDatum,
    Plant,
    PlantDocument,
    ServiceLevelProfile,
    ServiceLevelProfileChange,
    ServiceLevelReportRun,
    ServiceLevelSignOff,
    TelephonyReceipt,
    UserProfile,
    WorkstationPreference,
)
from .roles import has_role


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "service_class", "active")
    list_filter = ("service_class", "active")
    search_fields = ("code", "name")
    inlines = [ContactInline]


class PlantDocumentInline(admin.TabularInline):
    model = PlantDocument
    extra = 0
    readonly_fields = ("uploaded_at", "uploaded_by")


class KnownNumberInline(admin.TabularInline):
    model = KnownNumber
    extra = 0


@admin.register(Plant)
class PlantAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "customer", "municipality", "active")
    list_filter = ("kind", "customer", "active")
    search_fields = ("code", "name", "address", "municipality")
    inlines = [KnownNumberInline, PlantDocumentInline]

    def has_delete_permission(self, request, obj=None):
        # Plants with calls or interventions are protected by the database anyway.
        return super().has_delete_permission(request, obj) and (
            obj is None or not (obj.calls.exists() or obj.interventions.exists())
        )

    def save_formset(self, request, form, formset, change):
        for instance in formset.save(commit=False):
            if isinstance(instance, PlantDocument) and instance.uploaded_by_id is None:
                instance.uploaded_by = request.user
            instance.save()
        for obj in formset.deleted_objects:
            obj.delete()


@admin.register(UserProfile)
class UserProfileAdmin(admin.ModelAdmin):
    # The language is what the user's messages (the dispatch fax first) are written in.
    list_display = ("user", "customer", "mobile_number", "language")
    list_filter = ("customer", "language")
    search_fields = ("user__username", "mobile_number")


@admin.register(WorkstationPreference)
class WorkstationPreferenceAdmin(admin.ModelAdmin):
    """Users set these on their own screens; the admin shows them (and may reset a user's board
    filters by deleting the row)."""

    list_display = ("user", "alerts_muted", "board_sort", "updated_at")
    search_fields = ("user__username",)
    readonly_fields = ("updated_at",)


class ReadOnlyAdmin(admin.ModelAdmin):
    """The history is written by services only: no add, change or delete from the admin."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Call)
class CallAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "received_at",
        "caller_number",
        "duration_seconds",
        "line",
        "operator",
        "plant",
        "call_type",
    )
    list_filter = ("call_type", "source", "line")
    search_fields = ("caller_number", "external_id", "notes", "plant__code")
    date_hierarchy = "received_at"
    list_select_related = ("operator", "plant")


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("id", "occurred_at", "subject_type", "subject_id", "seq", "actor_label", "kind")
    list_filter = ("subject_type", "kind")
    search_fields = ("actor_label", "kind")
    date_hierarchy = "occurred_at"


@admin.register(PersonalDatum)
class PersonalDatumAdmin(ReadOnlyAdmin):
    """What is held and what was erased, never the values: those are read through the history
    (ADR 0002), where reading them is logged."""

    list_display = ("id", "kind", "call", "intervention", "created_at", "erased_at", "erased_because")
    list_filter = ("kind", ("erased_at", admin.EmptyFieldListFilter))
    fields = ("kind", "call", "intervention", "created_at", "erased_at", "erased_because", "commitment")
    date_hierarchy = "created_at"


def _run_on_each(modeladmin, request, queryset, service, done_message):
    done = 0
    for intervention in queryset:
        try:
            service(actor=request.user, intervention=intervention)
        except (TransitionNotAllowed, ValidationError) as exc:
            modeladmin.message_user(request, f"#{intervention.pk}: {exc}", messages.ERROR)
        else:
            done += 1
    if done:
        modeladmin.message_user(request, done_message % {"count": done}, messages.SUCCESS)


@admin.register(Intervention)
class InterventionAdmin(ReadOnlyAdmin):
    list_display = ("id", "priority", "status", "plant", "technician", "opened_at", "closing_reason")
    list_filter = ("status", "priority")
    search_fields = ("summary", "plant__code", "technician__username")
    list_select_related = ("plant", "technician")
    actions = ["close_selected", "cancel_selected"]

    @admin.action(description=_("Close the selected completed interventions"), permissions=["supervise"])
    def close_selected(self, request, queryset):
        _run_on_each(
            self, request, queryset, services.intervention_close, _("Closed %(count)d intervention(s).")
        )

    @admin.action(description=_("Cancel the selected interventions"), permissions=["supervise"])
    def cancel_selected(self, request, queryset):
        _run_on_each(
            self, request, queryset, services.intervention_cancel, _("Cancelled %(count)d intervention(s).")
        )

    def has_supervise_permission(self, request) -> bool:
        return has_role(request.user, Role.SUPERVISOR)

    def changelist_view(self, request, extra_context=None):
        # An action the user is not offered, posted anyway, is a forgery: 403, not a quiet no-op.
        posted = request.POST.get("action") if request.method == "POST" else None
        if posted and posted not in self.get_actions(request):
            raise PermissionDenied
        return super().changelist_view(request, extra_context)


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("name", "customer", "role", "email", "phone_number", "receives_reports")
    list_filter = ("customer", "receives_reports")
    search_fields = ("name", "email", "phone_number")


@admin.register(PlantDocument)
class PlantDocumentAdmin(admin.ModelAdmin):
    list_display = ("title", "plant", "kind", "attach_to_assignments", "uploaded_at", "uploaded_by")
    list_filter = ("kind", "attach_to_assignments")
    search_fields = ("title", "plant__code")
    readonly_fields = ("uploaded_at", "uploaded_by")

    def save_model(self, request, obj, form, change):
        if obj.uploaded_by_id is None:
            obj.uploaded_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(TelephonyReceipt)
class TelephonyReceiptAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "signature")
    date_hierarchy = "received_at"


@admin.register(KnownNumber)
class KnownNumberAdmin(admin.ModelAdmin):
    list_display = ("number", "plant", "label")
    search_fields = ("number", "plant__code", "label")
    autocomplete_fields = ("plant",)


@admin.register(Callback)
class CallbackAdmin(ReadOnlyAdmin):
    """Scheduled and completed through the console and the API, where the history records it."""

    list_display = ("id", "due_at", "number", "status", "assigned_to", "call", "intervention")
    list_filter = ("status",)
    search_fields = ("number", "note")


@admin.register(CallScript)
class CallScriptAdmin(ReadOnlyAdmin):
    """Read-only: scripts are written on /scripts/, where the text is checked before it is saved."""

    list_display = ("call_type", "name", "version", "updated_at", "updated_by")


@admin.register(CallScriptAnswer)
class CallScriptAnswerAdmin(ReadOnlyAdmin):
    list_display = ("answered_at", "call", "question", "answer", "answered_by")
    date_hierarchy = "answered_at"


@admin.register(InterventionAssignment)
class InterventionAssignmentAdmin(ReadOnlyAdmin):
    """Written by the assignment service; read here, never edited."""

    list_display = ("intervention", "technician", "assigned_at")
    list_select_related = ("technician",)
    search_fields = ("technician__username",)


@admin.register(InterventionStep)
class InterventionStepAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "intervention", "action", "client_time", "applied_at", "flag", "outcome")
    list_filter = ("action",)


@admin.register(ServiceLevelProfile)
class ServiceLevelProfileAdmin(ReadOnlyAdmin):
    """Changed through the service (each change kept for the reports' rules), not here."""

    list_display = [
        "name",
        "customer",
        "service",
        "answer_target_seconds",
        "arrival_target_minutes",
        "version",
    ]
    list_filter = ["service"]


@admin.register(ServiceLevelProfileChange)
class ServiceLevelProfileChangeAdmin(ReadOnlyAdmin):
    list_display = ["profile", "version", "changed_at", "changed_by"]


@admin.register(ServiceLevelSignOff)
class ServiceLevelSignOffAdmin(ReadOnlyAdmin):
    list_display = ["customer", "date_from", "date_to", "signed_by", "signed_at"]
    list_filter = ["customer"]
    exclude = ["figures"]


@admin.register(ServiceLevelReportRun)
class ServiceLevelReportRunAdmin(ReadOnlyAdmin):
    list_display = ["customer", "kind", "date_from", "date_to", "status", "progress", "created_at", "sent_at"]
    list_filter = ["kind", "status"]
    exclude = ["figures"]
