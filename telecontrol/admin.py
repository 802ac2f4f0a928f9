from django.contrib import admin

from .models import PlantTelecontrol


@admin.register(PlantTelecontrol)
class PlantTelecontrolAdmin(admin.ModelAdmin):
    list_display = ("plant", "protocol", "host", "port", "unit_id", "timeout_seconds")
    list_filter = ("protocol",)
    search_fields = ("plant__code", "plant__name", "host")
    autocomplete_fields = ("plant",)
