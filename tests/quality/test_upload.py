"""The phone system hands over a call's recording, signed as its webhook: the audio itself, or a
URL Pronto fetches (bounded, http(s) only, public addresses only unless allowed). The digest goes
into the call's history; bad input is a clear 400 (too large: 413) and nothing is kept."""

import hashlib
import http.server
import threading
import time

import pytest
from rest_framework.test import APIClient

from dispatch.models import Event
from quality.models import CallRecording
from tests.quality.conftest import URL, signed_headers, upload

pytestmark = [pytest.mark.real_component, pytest.mark.django_db]


def test_an_uploaded_wav_is_kept_with_its_digest_in_the_history(call, make_audio, recordings_dir):
    audio = make_audio("wav", seconds=2)
    response = upload(APIClient(), audio)
    assert response.status_code == 201, response.content
    digest = hashlib.sha256(audio).hexdigest()
    assert response.json()["sha256"] == digest
    recording = CallRecording.objects.get(call=call)
    assert (recording.content_type, recording.size_bytes) == ("audio/wav", len(audio))
    assert recording.duration_seconds == pytest.approx(2.0, abs=0.01)
    assert (recordings_dir / recording.file.name).read_bytes() == audio
    event = Event.objects.filter(call=call, kind="recording.received").get()
    assert event.data["sha256"] == digest and event.data["bytes"] == len(audio)


def test_mp3_and_opus_by_header_call_id_and_the_same_file_twice_is_kept_once(call, make_audio):
    client = APIClient()
    mp3, opus = make_audio("mp3"), make_audio("opus")
    for body in (mp3, opus):
        headers = {**signed_headers(body), "HTTP_X_PRONTO_CALL_ID": "pbx-rec-1"}
        assert client.post(URL, body, content_type="application/octet-stream", **headers).status_code == 201
    # The same file sent again (another signature: a second earlier, as a retry would be signed anew).
    again = upload(
        client, mp3, content_type="audio/mpeg", headers=signed_headers(mp3, timestamp=int(time.time()) - 1)
    )
    assert again.status_code == 200 and again.json()["created"] is False
    assert sorted(CallRecording.objects.values_list("content_type", flat=True)) == [
        "audio/mpeg",
        "audio/ogg; codecs=opus",
    ]
    assert Event.objects.filter(call=call, kind="recording.received").count() == 2


def test_a_replayed_upload_is_refused(call, make_audio):
    audio = make_audio("wav", seconds=1)
    headers = signed_headers(audio)
    assert upload(APIClient(), audio, headers=headers).status_code == 201
    replay = upload(APIClient(), audio, headers=headers)
    assert replay.status_code == 403 and "Replayed" in replay.json()["detail"]


@pytest.mark.parametrize(
    ("body", "call_id", "field"),
    [
        (b"<html>not audio</html>", "pbx-rec-1", "file"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x00" * 64, "pbx-rec-1", "file"),
        (None, "pbx-unknown", "call_id"),
    ],
)
def test_bad_input_is_a_400_and_nothing_is_kept(call, make_audio, body, call_id, field):
    body = body if body is not None else make_audio("wav", seconds=1)
    headers = signed_headers(body)
    response = upload(APIClient(), body, call_id=call_id, headers=headers)
    assert response.status_code == 400 and field in response.json()
    assert not CallRecording.objects.exists()
    # Refused requests do not use up their signature: the same request may be corrected and retried.
    assert not Event.objects.filter(kind="recording.received").exists()


def test_unsigned_and_badly_signed_uploads_are_refused(call, make_audio):
    audio = make_audio("wav", seconds=1)
    assert APIClient().post(f"{URL}?call_id=pbx-rec-1", audio, content_type="audio/wav").status_code == 403
    forged = {**signed_headers(audio), "HTTP_X_PRONTO_SIGNATURE": "sha256=" + "0" * 64}
    assert upload(APIClient(), audio, headers=forged).status_code == 403
    assert not CallRecording.objects.exists()


def test_a_recording_larger_than_the_bound_is_413(call, make_audio, settings):
    audio = make_audio("wav", seconds=1)
    settings.PRONTO_RECORDING_MAX_BYTES = len(audio) - 1
    assert upload(APIClient(), audio).status_code == 413
    assert not CallRecording.objects.exists()


def _json_request(payload: bytes):
    return APIClient().post(URL, payload, content_type="application/json", **signed_headers(payload))


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:9/rec.wav", "http://169.254.169.254/latest/meta-data", "ftp://example.org/rec.wav",
     "http://[::1]/rec.wav", "http://10.1.2.3/rec.wav"],
)  # fmt: skip
def test_a_url_to_a_private_address_or_another_scheme_is_refused(call, url):
    payload = f'{{"call_id": "pbx-rec-1", "url": "{url}"}}'.encode()
    response = _json_request(payload)
    assert response.status_code == 400 and "url" in response.json()


class _Serve(http.server.BaseHTTPRequestHandler):
    body = b""

    def do_GET(self):  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Type", "audio/mpeg")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def audio_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Serve)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_a_url_is_fetched_after_commit_when_private_addresses_are_allowed(
    call, make_audio, settings, audio_server, django_capture_on_commit_callbacks
):
    settings.PRONTO_RECORDING_FETCH_ALLOW_PRIVATE = True
    _Serve.body = make_audio("mp3", seconds=2)
    url = f"http://127.0.0.1:{audio_server.server_address[1]}/calls/pbx-rec-1.mp3"
    payload = f'{{"call_id": "pbx-rec-1", "url": "{url}"}}'.encode()
    with django_capture_on_commit_callbacks(execute=True):
        response = _json_request(payload)
    assert response.status_code == 202, response.content
    recording = CallRecording.objects.get(call=call)
    assert recording.sha256 == hashlib.sha256(_Serve.body).hexdigest()
    assert (recording.source, recording.source_url) == ("fetch", url)
    # The task run again (a redelivery) adds nothing.
    from quality import services

    assert services.recording_fetch(call_id=call.pk, url=url).pk == recording.pk
    assert CallRecording.objects.count() == 1


def test_a_fetch_over_the_bound_is_abandoned_and_said_in_the_history(
    call, make_audio, settings, audio_server
):
    from quality import services

    settings.PRONTO_RECORDING_FETCH_ALLOW_PRIVATE = True
    _Serve.body = make_audio("wav", seconds=2)
    settings.PRONTO_RECORDING_MAX_BYTES = 1000
    url = f"http://127.0.0.1:{audio_server.server_address[1]}/big.wav"
    assert services.recording_fetch(call_id=call.pk, url=url) is None
    assert not CallRecording.objects.exists()
    assert "larger than 1000" in Event.objects.get(call=call, kind="recording.fetch_failed").data["why"]


def test_a_file_left_by_a_failed_transaction_is_reused_not_copied_again(call, make_audio, recordings_dir):
    import io

    from django.db import transaction

    from quality import services

    audio = make_audio("wav", seconds=1)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.recording_store(call=call, stream=io.BytesIO(audio), source="upload")
        raise RuntimeError("the request failed after the file was stored")
    assert not CallRecording.objects.exists()
    recording, created = services.recording_store(call=call, stream=io.BytesIO(audio), source="upload")
    assert created
    assert [path.name for path in (recordings_dir / "calls" / str(call.pk)).iterdir()] == [
        f"{recording.sha256}.wav"
    ]
