import importlib
import re

import django.db.models.deletion
from django.db import migrations, models

# The call guard of 0002, now also letting the erasure of an ended call's number through (and
# nothing else: the number may only become empty, with the erasure's time set, never return),
# and keeping the caller's token; personal data rows are never deleted and, once written, only
# lose their value (erasure).
FORWARD = """
CREATE OR REPLACE FUNCTION pronto_call_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'pronto: calls cannot be deleted (call %)', OLD.id;
    END IF;
    IF NEW.id <> OLD.id
       OR NEW.created_at IS DISTINCT FROM OLD.created_at
       OR NEW.source IS DISTINCT FROM OLD.source
       OR NEW.external_id IS DISTINCT FROM OLD.external_id
       OR (OLD.personal_erased_at IS NOT NULL AND NEW.personal_erased_at IS NULL)
       OR (OLD.ended_at IS NOT NULL AND (
              (NEW.caller_number IS DISTINCT FROM OLD.caller_number
               AND NOT (NEW.caller_number = '' AND NEW.personal_erased_at IS NOT NULL))
           OR NEW.caller_token IS DISTINCT FROM OLD.caller_token
           OR NEW.received_at IS DISTINCT FROM OLD.received_at
           OR NEW.answered_at IS DISTINCT FROM OLD.answered_at
           OR NEW.ended_at IS DISTINCT FROM OLD.ended_at
           OR NEW.duration_seconds IS DISTINCT FROM OLD.duration_seconds
           OR NEW.line IS DISTINCT FROM OLD.line))
    THEN
        RAISE EXCEPTION 'pronto: recorded fields of call % cannot be changed', OLD.id;
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION pronto_personal_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'pronto: personal data is erased, never deleted (row %)', OLD.id;
    END IF;
    IF NEW.id <> OLD.id
       OR NEW.kind IS DISTINCT FROM OLD.kind
       OR NEW.salt IS DISTINCT FROM OLD.salt
       OR NEW.commitment IS DISTINCT FROM OLD.commitment
       OR NEW.call_id IS DISTINCT FROM OLD.call_id
       OR NEW.intervention_id IS DISTINCT FROM OLD.intervention_id
       OR NEW.created_at IS DISTINCT FROM OLD.created_at
       OR OLD.erased_at IS NOT NULL
       OR NEW.erased_at IS NULL
       OR NEW.value IS NOT NULL
    THEN
        RAISE EXCEPTION 'pronto: personal data row % can only be erased', OLD.id;
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER dispatch_personal_guard
    BEFORE UPDATE OR DELETE ON dispatch_personaldatum
    FOR EACH ROW EXECUTE FUNCTION pronto_personal_guard();
"""

# Back to 0002's call guard, which knows nothing of erasure.
_CALL_GUARD_0002 = re.search(
    r"CREATE OR REPLACE FUNCTION pronto_call_guard\(\).*?LANGUAGE plpgsql;",
    importlib.import_module("dispatch.migrations.0002_history_triggers").FORWARD,
    re.S,
).group(0)
BACKWARD = f"""
DROP TRIGGER IF EXISTS dispatch_personal_guard ON dispatch_personaldatum;
DROP FUNCTION IF EXISTS pronto_personal_guard();
{_CALL_GUARD_0002}
"""


def triggers(forward: bool):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            # params=None: the functions' RAISE messages hold % placeholders of their own.
            schema_editor.execute(FORWARD if forward else BACKWARD, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("dispatch", "0018_assignments_document_access_step_scope"),
    ]

    operations = [
        migrations.AddField(
            model_name="call",
            name="caller_token",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.AddField(
            model_name="call",
            name="personal_erased_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="personal data erased at"),
        ),
        migrations.AlterField(
            model_name="call",
            name="caller_number",
            field=models.CharField(
                blank=True,
                help_text="E.164; empty when withheld or erased",
                max_length=20,
                verbose_name="caller number",
            ),
        ),
        migrations.AddIndex(
            model_name="call",
            index=models.Index(fields=["caller_token", "received_at"], name="call_token_time_idx"),
        ),
        migrations.CreateModel(
            name="PersonalDatum",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("caller_number", "Caller's number"),
                            ("note", "Free-text note"),
                            ("position", "Position"),
                            ("photo", "Photo"),
                            ("recording", "Call recording"),
                        ],
                        max_length=24,
                        verbose_name="kind",
                    ),
                ),
                ("value", models.JSONField(blank=True, null=True, verbose_name="value")),
                ("salt", models.CharField(max_length=32)),
                ("commitment", models.CharField(max_length=64, unique=True)),
                ("created_at", models.DateTimeField(verbose_name="recorded at")),
                ("erased_at", models.DateTimeField(blank=True, null=True, verbose_name="erased at")),
                (
                    "erased_because",
                    models.CharField(blank=True, max_length=64, verbose_name="erased because"),
                ),
                (
                    "call",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="personal_data",
                        to="dispatch.call",
                    ),
                ),
                (
                    "intervention",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="personal_data",
                        to="dispatch.intervention",
                    ),
                ),
            ],
            options={
                "verbose_name": "personal datum",
                "verbose_name_plural": "personal data",
                "indexes": [
                    models.Index(fields=["kind", "created_at"], name="personal_kind_time_idx"),
                    models.Index(fields=["erased_at", "created_at"], name="personal_erased_time_idx"),
                ],
            },
        ),
        migrations.RunPython(triggers(True), triggers(False)),
    ]
