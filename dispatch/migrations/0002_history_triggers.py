"""PostgreSQL triggers that keep the history append-only even for code that bypasses the ORM.

- dispatch_event: no UPDATE, no DELETE.
- dispatch_call: no DELETE; once ended_at is set, the recorded fields never change.
- dispatch_intervention: no DELETE (a supervisor cancels instead).
TRUNCATE is left to the table owner: the application's database role should not own the tables
in production (docs/adr/0001-history-hash-chains.md).
"""

from django.db import migrations

FORWARD = r"""
CREATE OR REPLACE FUNCTION pronto_event_refuse() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'pronto: history events are append-only (% refused on event %)', TG_OP, OLD.id;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER dispatch_event_append_only
    BEFORE UPDATE OR DELETE ON dispatch_event
    FOR EACH ROW EXECUTE FUNCTION pronto_event_refuse();

CREATE OR REPLACE FUNCTION pronto_call_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'pronto: calls cannot be deleted (call %)', OLD.id;
    END IF;
    IF NEW.id <> OLD.id
       OR NEW.created_at IS DISTINCT FROM OLD.created_at
       OR NEW.source IS DISTINCT FROM OLD.source
       OR NEW.external_id IS DISTINCT FROM OLD.external_id
       OR (OLD.ended_at IS NOT NULL AND (
              NEW.caller_number IS DISTINCT FROM OLD.caller_number
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

CREATE TRIGGER dispatch_call_guard
    BEFORE UPDATE OR DELETE ON dispatch_call
    FOR EACH ROW EXECUTE FUNCTION pronto_call_guard();

CREATE OR REPLACE FUNCTION pronto_intervention_refuse_delete() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'pronto: interventions cannot be deleted (intervention %)', OLD.id;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER dispatch_intervention_no_delete
    BEFORE DELETE ON dispatch_intervention
    FOR EACH ROW EXECUTE FUNCTION pronto_intervention_refuse_delete();
"""

BACKWARD = r"""
DROP TRIGGER IF EXISTS dispatch_intervention_no_delete ON dispatch_intervention;
DROP FUNCTION IF EXISTS pronto_intervention_refuse_delete();
DROP TRIGGER IF EXISTS dispatch_call_guard ON dispatch_call;
DROP FUNCTION IF EXISTS pronto_call_guard();
DROP TRIGGER IF EXISTS dispatch_event_append_only ON dispatch_event;
DROP FUNCTION IF EXISTS pronto_event_refuse();
"""


def _run(sql):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return apply


class Migration(migrations.Migration):
    dependencies = [("dispatch", "0001_initial")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD), elidable=False)]
