from django.contrib import admin

from .models import LineCoverageMinimum, PatternDay, Shift, ShiftPattern


class PatternDayInline(admin.TabularInline):
    model = PatternDay
    extra = 0


@admin.register(ShiftPattern)
class ShiftPatternAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "cycle_days", "active")
    inlines = (PatternDayInline,)


@admin.register(Shift)
class ShiftAdmin(admin.ModelAdmin):
    list_display = ("user", "team", "day", "starts_at", "ends_at", "source")
    list_filter = ("team", "source")
    raw_id_fields = ("user", "changed_by")
    date_hierarchy = "day"


@admin.register(LineCoverageMinimum)
class LineCoverageMinimumAdmin(admin.ModelAdmin):
    list_display = ("line", "weekdays", "from_hour", "to_hour", "minimum")
