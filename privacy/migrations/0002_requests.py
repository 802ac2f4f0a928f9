"""People's requests and the access log; on PostgreSQL, triggers that keep them evidence even for
code that bypasses the ORM (as dispatch/migrations/0002 does for the history):

- privacy_accesslogentry, privacy_personalrequeststep: no UPDATE, no DELETE.
- privacy_personalrequest: no DELETE; an UPDATE keeps the request's facts, may only empty the
  number and the token (never set them again), and may only move the status to "answered".
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


FORWARD = r"""
CREATE OR REPLACE FUNCTION pronto_privacy_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'pronto: % rows only grow (% refused on row %)', TG_TABLE_NAME, TG_OP, OLD.id;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER privacy_accesslogentry_append_only
    BEFORE UPDATE OR DELETE ON privacy_accesslogentry
    FOR EACH ROW EXECUTE FUNCTION pronto_privacy_append_only();

CREATE TRIGGER privacy_personalrequeststep_append_only
    BEFORE UPDATE OR DELETE ON privacy_personalrequeststep
    FOR EACH ROW EXECUTE FUNCTION pronto_privacy_append_only();

CREATE OR REPLACE FUNCTION pronto_privacy_request_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'pronto: requests from people cannot be deleted (request %)', OLD.id;
    END IF;
    IF NEW.id <> OLD.id
       OR NEW.kind IS DISTINCT FROM OLD.kind
       OR NEW.requester IS DISTINCT FROM OLD.requester
       OR NEW.identity_check IS DISTINCT FROM OLD.identity_check
       OR NEW.received_at IS DISTINCT FROM OLD.received_at
       OR NEW.recorded_at IS DISTINCT FROM OLD.recorded_at
       OR NEW.recorded_by_id IS DISTINCT FROM OLD.recorded_by_id
       OR (NEW.number IS DISTINCT FROM OLD.number AND NEW.number <> '')
       OR (NEW.caller_token IS DISTINCT FROM OLD.caller_token AND NEW.caller_token <> '')
       OR (NEW.status IS DISTINCT FROM OLD.status AND NOT (OLD.status = 'received' AND NEW.status = 'answered'))
       OR (OLD.status = 'answered' AND (NEW.outcome IS DISTINCT FROM OLD.outcome
                                        OR NEW.answered_at IS DISTINCT FROM OLD.answered_at))
    THEN
        RAISE EXCEPTION 'pronto: request % may only be answered, and its number and token emptied', OLD.id;
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER privacy_personalrequest_guard
    BEFORE UPDATE OR DELETE ON privacy_personalrequest
    FOR EACH ROW EXECUTE FUNCTION pronto_privacy_request_guard();
"""

BACKWARD = r"""
DROP TRIGGER IF EXISTS privacy_personalrequest_guard ON privacy_personalrequest;
DROP FUNCTION IF EXISTS pronto_privacy_request_guard();
DROP TRIGGER IF EXISTS privacy_personalrequeststep_append_only ON privacy_personalrequeststep;
DROP TRIGGER IF EXISTS privacy_accesslogentry_append_only ON privacy_accesslogentry;
DROP FUNCTION IF EXISTS pronto_privacy_append_only();
"""


def _run(sql):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            # params=None: the % in RAISE are PL/pgSQL's, not placeholders.
            schema_editor.execute(sql, params=None)

    return apply


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('privacy', '0001_retention'),
        ('dispatch', '0020_personal_data_apart'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='PersonalRequest',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('access', 'Access: a copy of what is held'), ('erasure', 'Erasure')], max_length=16, verbose_name='kind')),
                ('number', models.CharField(blank=True, help_text='E.164', max_length=20, verbose_name='phone number')),
                ('caller_token', models.CharField(blank=True, max_length=64)),
                ('requester', models.CharField(max_length=200, verbose_name='who asked')),
                ('identity_check', models.CharField(max_length=500, verbose_name='how identity was checked')),
                ('received_at', models.DateTimeField(verbose_name='received at')),
                ('recorded_at', models.DateTimeField(verbose_name='recorded at')),
                ('status', models.CharField(choices=[('received', 'Received'), ('answered', 'Answered')], default='received', max_length=16, verbose_name='status')),
                ('answered_at', models.DateTimeField(blank=True, null=True, verbose_name='answered at')),
                ('outcome', models.JSONField(blank=True, default=dict, verbose_name='outcome')),
                ('recorded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'request from a person',
                'verbose_name_plural': 'requests from people',
                'ordering': ['-received_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='AccessLogEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(verbose_name='when')),
                ('user_label', models.CharField(max_length=150, verbose_name='who')),
                ('kind', models.CharField(choices=[('call.page', 'Call page'), ('call.api', 'Call (API)'), ('call.history_api', 'Call history (API)'), ('intervention.page', 'Intervention page'), ('intervention.history_api', 'Intervention history (API)'), ('document', 'Photo or fax of an intervention'), ('recording', 'Call recording'), ('export', "Export for a person's request"), ('number_lookup', 'Who looked at a number')], max_length=32, verbose_name='what')),
                ('caller_token', models.CharField(blank=True, max_length=64)),
                ('reason', models.CharField(blank=True, max_length=300, verbose_name='why')),
                ('call', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='dispatch.call')),
                ('document', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='dispatch.plantdocument')),
                ('intervention', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='dispatch.intervention')),
                ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('request', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='privacy.personalrequest')),
            ],
            options={
                'verbose_name': 'access log entry',
                'verbose_name_plural': 'access log entries',
                'ordering': ['-at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='PersonalRequestStep',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('status', models.CharField(choices=[('received', 'Received'), ('answered', 'Answered')], max_length=16, verbose_name='status')),
                ('at', models.DateTimeField(verbose_name='when')),
                ('outcome', models.JSONField(blank=True, default=dict, verbose_name='outcome')),
                ('actor', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('request', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='steps', to='privacy.personalrequest')),
            ],
            options={
                'verbose_name': 'request step',
                'verbose_name_plural': 'request steps',
                'ordering': ['at', 'id'],
            },
        ),
        migrations.AddIndex(
            model_name='personalrequest',
            index=models.Index(fields=['status', 'received_at'], name='privacy_request_status_idx'),
        ),
        migrations.AddIndex(
            model_name='accesslogentry',
            index=models.Index(fields=['caller_token', 'at'], name='privacy_access_token_idx'),
        ),
        migrations.AddIndex(
            model_name='accesslogentry',
            index=models.Index(fields=['call', 'at'], name='privacy_access_call_idx'),
        ),
        migrations.AddIndex(
            model_name='accesslogentry',
            index=models.Index(fields=['intervention', 'at'], name='privacy_access_interv_idx'),
        ),
        migrations.AddIndex(
            model_name='accesslogentry',
            index=models.Index(fields=['at'], name='privacy_access_at_idx'),
        ),
        migrations.RunPython(_run(FORWARD), _run(BACKWARD)),
    ]
