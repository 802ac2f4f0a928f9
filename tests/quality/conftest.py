"""Recordings made by real tools: sox writes WAV and MP3, opusenc Ogg/Opus
(scripts/ensure_sox.sh, ``PRONTO_TEST_SOX``, ``PRONTO_TEST_OPUSENC``). A test that needs them is
skipped with the reason when they are missing (and so fails under CI=true: real_component)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage
from django.utils import timezone

from dispatch.models import Call
from quality.models import CallRecording
from telephony.signatures import telephony_signature

SECRET = "quality-test-secret"
URL = "/api/telephony/recordings/"


def tool_or_skip(name: str) -> str:
    binary = os.environ.get(f"PRONTO_TEST_{name.upper()}") or shutil.which(name)
    if not binary:
        pytest.skip(f"{name} unavailable: run scripts/ensure_sox.sh (PRONTO_TEST_{name.upper()})")
    return binary


@pytest.fixture
def sox() -> str:
    return tool_or_skip("sox")


@pytest.fixture
def make_audio(sox, tmp_path):
    """``make_audio("mp3", seconds=3)``: the bytes of a real recording (a tone) of that format."""

    def make(kind: str, *, seconds: float = 3.0, rate: int = 8000) -> bytes:
        stamp = f"{kind}-{seconds}-{rate}-{time.monotonic_ns()}"
        if kind == "opus":
            opusenc = tool_or_skip("opusenc")
            wav = tmp_path / f"{stamp}.wav"
            subprocess.run(
                [
                    sox,
                    "-q",
                    "-n",
                    "-b",
                    "16",
                    "-r",
                    str(rate),
                    "-c",
                    "1",
                    str(wav),
                    "synth",
                    str(seconds),
                    "sine",
                    "440",
                ],
                check=True,
            )
            out = tmp_path / f"{stamp}.opus"
            subprocess.run([opusenc, "--quiet", str(wav), str(out)], check=True)
            return out.read_bytes()
        out = tmp_path / f"{stamp}.{kind}"
        subprocess.run(
            [sox, "-q", "-n", "-r", str(rate), "-c", "1", str(out), "synth", str(seconds), "sine", "440"],
            check=True,
        )
        return out.read_bytes()

    return make


@pytest.fixture(autouse=True)
def recordings_dir(tmp_path, settings, monkeypatch) -> Path:
    """Recordings go to a folder of the test's own (the field took its storage at start-up)."""
    folder = tmp_path / "recordings"
    storage = FileSystemStorage(location=str(folder))
    monkeypatch.setattr(CallRecording._meta.get_field("file"), "storage", storage)
    settings.PRONTO_TELEPHONY_SECRET = SECRET
    return folder


@pytest.fixture
def call(plant, users) -> Call:
    """A call the phone system reported (ring, hang-up), on customer 1's plant, a gas leak."""
    from dispatch.services import call_update
    from telephony.services import telephony_event_apply

    at = timezone.now() - timedelta(minutes=5)
    logged, _ = telephony_event_apply(
        call_id="pbx-rec-1", event="ring", occurred_at=at, caller_number="+390212345678"
    )
    telephony_event_apply(call_id="pbx-rec-1", event="hangup", occurred_at=at + timedelta(minutes=2))
    return call_update(actor=users["operator"], call=logged, plant=plant, call_type="gas_leak")


def signed_headers(body: bytes, *, timestamp: int | None = None) -> dict[str, str]:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "HTTP_X_PRONTO_TIMESTAMP": stamp,
        "HTTP_X_PRONTO_SIGNATURE": telephony_signature(secret=SECRET, timestamp=stamp, body=body),
    }


def upload(client, body: bytes, *, call_id: str = "pbx-rec-1", content_type: str = "audio/wav", headers=None):
    return client.post(
        f"{URL}?call_id={call_id}", body, content_type=content_type, **(headers or signed_headers(body))
    )


def now():
    return timezone.now()
