"""Retention: past the rule for the call's customer and type, the audio is deleted by the
scheduled job; the call keeps the recording's row, its digest and when and why it went."""

import io
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from dispatch.models import Event
from quality import services
from quality.choices import RecordingSource
from quality.models import CallRecording, RecordingRetention

pytestmark = [pytest.mark.real_component, pytest.mark.django_db]


def test_the_most_specific_rule_wins(call, customer, other_customer, settings):
    settings.PRONTO_RECORDING_RETENTION_DAYS = 400
    assert services.retention_days_for(call=call) == 400
    RecordingRetention.objects.create(days=300)
    RecordingRetention.objects.create(customer=other_customer, days=10)
    assert services.retention_days_for(call=call) == 300
    RecordingRetention.objects.create(call_type="gas_leak", days=200)
    assert services.retention_days_for(call=call) == 200
    RecordingRetention.objects.create(customer=customer, days=100)
    assert services.retention_days_for(call=call) == 100
    RecordingRetention.objects.create(customer=customer, call_type="gas_leak", days=50)
    RecordingRetention.objects.create(customer=customer, call_type="lift_fault", days=5)
    assert services.retention_days_for(call=call) == 50


def test_expired_audio_is_deleted_and_the_record_kept(
    call, make_audio, recordings_dir, browser, django_capture_on_commit_callbacks
):
    audio = make_audio("mp3", seconds=2)
    recording, _ = services.recording_store(
        call=call, stream=io.BytesIO(audio), source=RecordingSource.UPLOAD
    )
    path = recordings_dir / recording.file.name
    assert path.exists()
    RecordingRetention.objects.create(customer=call.plant.customer, call_type="gas_leak", days=30)

    with django_capture_on_commit_callbacks(execute=True):
        assert services.recordings_expire(now=recording.received_at + timedelta(days=29)) == 0
    assert path.exists()

    later = recording.received_at + timedelta(days=31)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.recordings_expire(now=later) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert services.recordings_expire(now=later) == 0  # run twice: one deletion

    assert not path.exists()
    kept = CallRecording.objects.get(pk=recording.pk)
    assert (kept.deleted_at, kept.deleted_reason, kept.file.name) == (later, "retention", "")
    assert kept.sha256 == recording.sha256 and kept.size_bytes == len(audio)
    deleted = Event.objects.get(call=call, kind="recording.deleted")
    assert deleted.data == {"recording": kept.pk, "sha256": kept.sha256, "reason": "retention", "days": 30}

    panel = browser("supervisor").get(f"/quality/calls/{call.pk}/recordings/").content.decode()
    assert f"Recording deleted on {timezone.localtime(later):%d/%m/%Y} (Retention period over)." in panel
    assert "<audio" not in panel and kept.sha256 in panel
    assert browser("supervisor").get(f"/quality/recordings/{kept.pk}/audio/").status_code == 404


def test_the_beat_schedule_runs_the_task():
    from config.celery import app

    entry = django_settings.CELERY_BEAT_SCHEDULE["recordings-expire"]
    assert entry["task"] == "quality.tasks.recordings_expire"
    assert entry["task"] in app.tasks


def test_recordings_kept_longer_do_not_hide_the_expired_behind_them(
    call, users, other_plant, make_audio, django_capture_on_commit_callbacks
):
    from dispatch.services import call_log

    kept_long = [
        services.recording_store(call=call, stream=io.BytesIO(make_audio("wav", seconds=s)), source="upload")[
            0
        ]
        for s in (1, 2, 3)
    ]
    other = call_log(
        actor=users["operator"], caller_number="+390299990000", plant=other_plant, call_type="gas_leak"
    )
    expired, _ = services.recording_store(
        call=other, stream=io.BytesIO(make_audio("wav", seconds=4)), source="upload"
    )
    RecordingRetention.objects.create(customer=other_plant.customer, days=5)
    RecordingRetention.objects.create(customer=call.plant.customer, days=100)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.recordings_expire(now=expired.received_at + timedelta(days=6), batch=1) == 1
    assert CallRecording.objects.get(pk=expired.pk).deleted_at is not None
    assert not CallRecording.objects.filter(
        pk__in=[r.pk for r in kept_long], deleted_at__isnull=False
    ).exists()
