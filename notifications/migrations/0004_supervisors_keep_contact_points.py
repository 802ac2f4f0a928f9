"""Supervisors keep the technicians' contact points (the page under /contact-points/ and the
admin): the supervisor group gets view, add and change on ContactPoint. Deleting stays with
superusers; a supervisor disables a point instead."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

SUPERVISOR = "supervisor"  # dispatch.choices.Role.SUPERVISOR, frozen here as migrations must be
CODENAMES = ["view_contactpoint", "add_contactpoint", "change_contactpoint"]


def grant(apps, schema_editor):
    # Permissions are otherwise created after the last migration (post_migrate): make them now.
    app_config = apps.get_app_config("notifications")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name=SUPERVISOR)
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="notifications", codename__in=CODENAMES)
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name=SUPERVISOR):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="notifications", codename__in=CODENAMES)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0003_report_reason"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
