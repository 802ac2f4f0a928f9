from django.contrib import admin

from .models import Team, TeamArea, TeamChange, TeamMembership


class MembershipInline(admin.TabularInline):
    model = TeamMembership
    extra = 0
    autocomplete_fields = ("user",)


class AreaInline(admin.TabularInline):
    model = TeamArea
    extra = 0
    raw_id_fields = ("plant",)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "region", "leader", "backup_team", "is_second_line")
    search_fields = ("code", "name", "region")
    inlines = (MembershipInline, AreaInline)


@admin.register(TeamChange)
class TeamChangeAdmin(admin.ModelAdmin):
    list_display = ("at", "team", "what", "actor")
    readonly_fields = ("at", "actor", "team", "what", "before", "after")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
