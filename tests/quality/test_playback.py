"""The call page plays a recording to the roles allowed to hear it, with range requests so a long
file seeks; a listen (a request from the first byte) is counted once, not per range chunk."""

import io

import pytest
from rest_framework.test import APIClient

from dispatch.models import Event
from privacy.models import AccessLogEntry
from quality import services
from quality.choices import RecordingSource
from quality.models import RecordingListen
from quality.ranges import Unsatisfiable, range_parse

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def recorded(call, make_audio):
    audio = make_audio("wav", seconds=10)
    recording, _ = services.recording_store(
        call=call, stream=io.BytesIO(audio), source=RecordingSource.UPLOAD
    )
    return recording, audio


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.real_component
def test_ranges_seek_into_the_file_and_a_listen_counts_once(browser, recorded):
    recording, audio = recorded
    size = len(audio)
    client = browser("supervisor")
    url = f"/quality/recordings/{recording.pk}/audio/"

    first = client.get(url, HTTP_RANGE="bytes=0-")
    assert first.status_code == 206
    assert first["Content-Range"] == f"bytes 0-{size - 1}/{size}"
    assert first["Accept-Ranges"] == "bytes" and first["Content-Type"] == "audio/wav"
    assert _body(first) == audio

    # Seeking to the middle, as the player does: the bytes from there, not another listen.
    middle = client.get(url, HTTP_RANGE=f"bytes={size // 2}-")
    assert middle.status_code == 206 and middle["Content-Range"] == f"bytes {size // 2}-{size - 1}/{size}"
    assert _body(middle) == audio[size // 2 :]
    span = client.get(url, HTTP_RANGE="bytes=100-199")
    assert (span["Content-Length"], _body(span)) == ("100", audio[100:200])
    tail = client.get(url, HTTP_RANGE="bytes=-50")
    assert tail["Content-Range"] == f"bytes {size - 50}-{size - 1}/{size}" and _body(tail) == audio[-50:]

    past = client.get(url, HTTP_RANGE=f"bytes={size}-")
    assert past.status_code == 416 and past["Content-Range"] == f"bytes */{size}"

    whole = client.get(url)
    assert whole.status_code == 200 and _body(whole) == audio

    assert RecordingListen.objects.filter(recording=recording).count() == 2  # bytes=0- and the whole file
    assert Event.objects.filter(call=recording.call, kind="recording.listened").count() == 2
    assert AccessLogEntry.objects.filter(kind="recording", call=recording.call).count() == 2


@pytest.mark.real_component
def test_only_the_listen_roles_hear_it(browser, recorded, settings):
    recording, _ = recorded
    url = f"/quality/recordings/{recording.pk}/audio/"
    assert browser("operator").get(url).status_code == 403
    settings.PRONTO_RECORDING_LISTEN_ROLES = ["supervisor", "operator"]
    assert browser("operator").get(url).status_code == 200
    assert browser("technician").get(url).status_code == 403
    assert APIClient().get(url).status_code == 302  # signed out: the sign-in page


@pytest.mark.real_component
def test_the_call_page_panel_has_the_player_for_supervisors_only(browser, recorded):
    recording, _ = recorded
    url = f"/quality/calls/{recording.call_id}/recordings/"
    page = browser("supervisor").get(url).content.decode()
    assert f'<audio controls preload="none" src="/quality/recordings/{recording.pk}/audio/"' in page
    assert recording.sha256 in page
    operator = browser("operator").get(url).content.decode()
    assert "<audio" not in operator and recording.sha256 in operator
    call_page = browser("supervisor").get(f"/calls/{recording.call_id}/").content.decode()
    assert f'hx-get="/quality/calls/{recording.call_id}/recordings/"' in call_page


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("", None),
        ("bytes=0-", (0, 999)),
        ("bytes=10-19", (10, 19)),
        ("bytes=990-5000", (990, 999)),
        ("bytes=-10", (990, 999)),
        ("bytes=-5000", (0, 999)),
        ("bytes=5-1", None),
        ("bytes=0-1,5-9", None),
        ("items=0-1", None),
        ("bytes=-", None),
    ],
)
def test_range_parse(header, expected):
    assert range_parse(header, 1000) == expected


@pytest.mark.parametrize("header", ["bytes=1000-", "bytes=5000-6000", "bytes=-0"])
def test_range_parse_unsatisfiable(header):
    with pytest.raises(Unsatisfiable):
        range_parse(header, 1000)
