"""The network in the admin: read only. Changes go through ``network.services`` (the pages, the
API, the import), which keep the network a tree under the network's lock and log each change."""

from django.contrib import admin
from django.http import HttpRequest

from .models import NetworkChange, SupplyNode


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(SupplyNode)
class SupplyNodeAdmin(ReadOnly):
    list_display = ("plant", "feeder", "supply_points")
    search_fields = ("plant__code", "feeder__code")
    raw_id_fields = ("plant", "feeder")


@admin.register(NetworkChange)
class NetworkChangeAdmin(ReadOnly):
    list_display = ("at", "plant", "kind", "actor")
    list_filter = ("kind",)
    readonly_fields = ("at", "actor", "plant", "kind", "before", "after")
