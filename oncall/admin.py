from django.contrib import admin

from .models import Rota, RotaCover, RotaMember


class RotaMemberInline(admin.TabularInline):
    model = RotaMember
    extra = 0


@admin.register(Rota)
class RotaAdmin(admin.ModelAdmin):
    list_display = ("team", "name", "handover_weekday", "handover_time", "starts_on", "active")
    inlines = (RotaMemberInline,)


@admin.register(RotaCover)
class RotaCoverAdmin(admin.ModelAdmin):
    list_display = ("rota", "kind", "status", "user", "replaced", "starts_at", "ends_at")
    list_filter = ("kind", "status")
