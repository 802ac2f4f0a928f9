"""The inspector's evidence pack: a supervisor finds the call by time and number and downloads
one ZIP; its manifest lists every file with the SHA-256 the test recomputes, the recording is
the one received, and the history carries its hash chain."""

import hashlib
import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.utils import timezone

from privacy.models import AccessLogEntry
from quality import services
from quality.choices import RecordingSource

pytestmark = [pytest.mark.real_component, pytest.mark.django_db]


def _window(call):
    local = timezone.localtime(call.received_at)
    return {
        "start": (local - timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M"),
        "end": (local + timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M"),
    }


def test_find_the_call_by_time_and_number_then_download_its_pack(call, make_audio, browser):
    audio = make_audio("wav", seconds=2)
    recording, _ = services.recording_store(
        call=call, stream=io.BytesIO(audio), source=RecordingSource.UPLOAD
    )
    client = browser("supervisor")

    found = client.get("/quality/evidence/", {**_window(call), "number": "02 1234 5678"}).content.decode()
    assert f"/quality/evidence/calls/{call.pk}/" in found
    other = client.get("/quality/evidence/", {**_window(call), "number": "02 9999 0000"}).content.decode()
    assert f"/quality/evidence/calls/{call.pk}/" not in other

    response = client.get(f"/quality/evidence/calls/{call.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="evidence-call-{call.pk}.zip"'
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    manifest = json.loads(archive.read("manifest.json"))
    names = {entry["name"] for entry in manifest["files"]}
    assert names == set(archive.namelist()) - {"manifest.json"}
    assert {"call.json", "history.json", "interventions.json", "telecontrol_checks.json",
            "notifications.json"} <= names  # fmt: skip
    for entry in manifest["files"]:
        content = archive.read(entry["name"])
        assert hashlib.sha256(content).hexdigest() == entry["sha256"] and len(content) == entry["bytes"]
    recorded = [entry for entry in manifest["files"] if entry["name"].startswith("recordings/")]
    assert [entry["sha256"] for entry in recorded] == [hashlib.sha256(audio).hexdigest()]
    assert archive.read(recorded[0]["name"]) == audio
    assert manifest["recordings"][0]["sha256"] == recording.sha256

    history = json.loads(archive.read("history.json"))
    assert [event["kind"] for event in history][-1] == "recording.received"
    for previous, event in zip(history, history[1:], strict=False):
        assert event["prev_hash"] == previous["hash"]
    assert json.loads(archive.read("call.json"))["pk"] == call.pk
    assert AccessLogEntry.objects.filter(kind="evidence", call=call).count() == 1


@pytest.mark.parametrize("role", ["operator", "technician", "utility"])
def test_only_supervisors_get_the_pack(call, browser, role):
    assert browser(role).get(f"/quality/evidence/calls/{call.pk}/").status_code == 403
    assert browser(role).get("/quality/evidence/").status_code == 403


def test_the_api_finds_the_call_and_serves_the_same_pack(call, make_audio, client_for):
    audio = make_audio("mp3", seconds=1)
    services.recording_store(call=call, stream=io.BytesIO(audio), source=RecordingSource.UPLOAD)
    window = {
        "start": (call.received_at - timedelta(minutes=1)).isoformat(),
        "end": (call.received_at + timedelta(minutes=1)).isoformat(),
    }
    supervisor = client_for("supervisor")
    found = supervisor.get("/api/quality/evidence/calls/", {**window, "number": "+39 02 1234 5678"})
    assert found.status_code == 200
    assert [row["id"] for row in found.json()] == [call.pk]
    assert (
        supervisor.get("/api/quality/evidence/calls/", {**window, "number": "not a number"}).status_code
        == 400
    )
    pack = supervisor.get(found.json()[0]["evidence_url"])
    assert pack.status_code == 200 and pack["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(pack.streaming_content)))
    manifest = json.loads(archive.read("manifest.json"))
    for entry in manifest["files"]:
        assert hashlib.sha256(archive.read(entry["name"])).hexdigest() == entry["sha256"]
    assert hashlib.sha256(audio).hexdigest() in {entry["sha256"] for entry in manifest["files"]}
    assert client_for("operator").get("/api/quality/evidence/calls/", window).status_code == 403
    assert client_for(None).get(f"/api/quality/evidence/calls/{call.pk}/").status_code == 401
