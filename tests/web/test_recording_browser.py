# ruff: noqa: F811  (the quality fixtures are imported by name, to be used here)
"""The call page's recording in a real browser: Chromium's <audio> loads a real recording (sox)
from the range-serving view, learns its duration and seeks into the middle (range requests); the
listen is counted once, however many range requests the player made.

With ``PRONTO_SCREENSHOTS=docs/screenshots`` the call page with its player is saved as
``call-recording.png``."""

from __future__ import annotations

import io

import pytest
from django.core.files.storage import FileSystemStorage
from playwright.sync_api import expect

from quality import services
from quality.choices import RecordingSource
from quality.models import CallRecording, RecordingListen
from tests.quality.conftest import call, make_audio, sox  # noqa: F401
from tests.web.conftest import wait_until
from tests.web.test_whole_flow import shoot

AUDIO = "document.querySelector('#call-recordings audio')"

pytestmark = [pytest.mark.real_component, pytest.mark.django_db(transaction=True)]


def test_the_supervisor_plays_and_seeks_the_recording_on_the_call_page(
    signed_in, call, make_audio, tmp_path, monkeypatch
):
    monkeypatch.setattr(
        CallRecording._meta.get_field("file"), "storage", FileSystemStorage(location=str(tmp_path / "rec"))
    )
    audio = make_audio("wav", seconds=30, rate=8000)
    recording, _ = services.recording_store(
        call=call, stream=io.BytesIO(audio), source=RecordingSource.UPLOAD
    )

    page = signed_in("supervisor", path=f"/calls/{call.pk}/")
    page.goto(f"/calls/{call.pk}/")
    player = page.locator("#call-recordings audio")
    expect(player).to_have_count(1)
    expect(page.locator("#call-recordings")).to_contain_text(recording.sha256)

    page.evaluate(f"{AUDIO}.load()")
    duration = wait_until(
        page, f"(() => {{ const a = {AUDIO}; return a.readyState >= 1 && a.duration; }})()", timeout=15
    )
    assert duration == pytest.approx(30, abs=0.2)
    # Seekable to the end only when the server answers ranges.
    assert page.evaluate(f"{AUDIO}.seekable.end(0)") == pytest.approx(30, abs=0.2)
    page.evaluate(f"{AUDIO}.currentTime = 20")
    settled = (
        f"(() => {{ const a = {AUDIO}; return !a.seeking && a.currentTime >= 19.9 && a.readyState >= 2; }})()"
    )
    wait_until(page, settled, timeout=15)
    assert RecordingListen.objects.filter(recording=recording).count() == 1
    shoot(page, "call-recording")

    operator = signed_in("operator", path=f"/calls/{call.pk}/")
    operator.goto(f"/calls/{call.pk}/")
    expect(operator.locator("#call-recordings")).to_contain_text(recording.sha256)
    expect(operator.locator("#call-recordings audio")).to_have_count(0)
