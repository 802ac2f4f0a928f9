"""Recordings in an S3-compatible store, chosen by settings (django-storages' S3Storage): a real
sox recording stored through the S3 API served on a free port (moto's server), read back in
ranges by the player's view, and deleted from the bucket by retention while its record stays."""

import datetime as dt
import io
import socket

import pytest
from django.utils import timezone

from quality import services
from quality.choices import RecordingSource
from quality.models import CallRecording

pytestmark = [pytest.mark.django_db]

BUCKET = "pronto-recordings"
KEYS = {"access_key": "test-key", "secret_key": "test-secret"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def s3_store(monkeypatch):
    """The recordings' storage an S3 bucket, as PRONTO_RECORDING_STORAGE=storages.backends.s3.S3Storage
    and its options would make it."""
    boto3 = pytest.importorskip("boto3")
    from moto.server import ThreadedMotoServer
    from storages.backends.s3 import S3Storage

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "s3", endpoint_url=endpoint, region_name="eu-south-1",
        aws_access_key_id=KEYS["access_key"], aws_secret_access_key=KEYS["secret_key"],
    )  # fmt: skip
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-south-1"})
    storage = S3Storage(bucket_name=BUCKET, endpoint_url=endpoint, region_name="eu-south-1", **KEYS)
    monkeypatch.setattr(CallRecording._meta.get_field("file"), "storage", storage)
    yield client
    server.stop()


def _keys(client) -> list[str]:
    return [item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def test_a_recording_kept_in_an_s3_bucket_plays_in_ranges_and_retention_deletes_it(
    s3_store, call, make_audio, browser, settings, django_capture_on_commit_callbacks
):
    audio = make_audio("wav", seconds=4)

    recording, created = services.recording_store(
        call=call, stream=io.BytesIO(audio), source=RecordingSource.UPLOAD
    )

    assert created and _keys(s3_store) == [recording.file.name]
    assert s3_store.get_object(Bucket=BUCKET, Key=recording.file.name)["Body"].read() == audio
    part = browser("supervisor").get(f"/quality/recordings/{recording.pk}/audio/", HTTP_RANGE="bytes=100-199")
    assert part.status_code == 206 and b"".join(part.streaming_content) == audio[100:200]

    settings.PRONTO_RECORDING_RETENTION_DAYS = 1
    # The audio leaves the bucket once the deletion's transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        services.recordings_expire(now=timezone.now() + dt.timedelta(days=2))

    recording.refresh_from_db()
    assert recording.deleted_at is not None and recording.sha256
    assert _keys(s3_store) == []
