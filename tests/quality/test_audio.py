"""Recordings are judged by their content: real WAV, MP3 and Ogg/Opus files made by sox and
opusenc are recognised (with their length where the header says it); anything else is not."""

import io

import pytest

from quality.audio import MP3, OPUS, WAV, audio_duration, audio_type_sniff

pytestmark = pytest.mark.real_component


@pytest.mark.parametrize(("kind", "expected"), [("wav", WAV), ("mp3", MP3), ("opus", OPUS)])
def test_real_recordings_are_recognised_by_content(make_audio, kind, expected):
    data = make_audio(kind, seconds=2)
    assert audio_type_sniff(data[:65536]) == expected


def test_durations_from_the_wav_header_and_the_last_ogg_page(make_audio):
    wav = audio_duration(io.BytesIO(make_audio("wav", seconds=2.5)), WAV)
    opus = audio_duration(io.BytesIO(make_audio("opus", seconds=2.5)), OPUS)
    assert wav == pytest.approx(2.5, abs=0.01)
    assert opus == pytest.approx(2.5, abs=0.05)
    assert audio_duration(io.BytesIO(make_audio("mp3", seconds=1)), MP3) is None


@pytest.mark.parametrize(
    "head",
    [
        b"",
        b"hello, this is text",
        b"<html><script>alert(1)</script>",
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,
        b"RIFF\x00\x00\x00\x00WEBPVP8 ",  # a WebP image is RIFF too
        b"OggS" + b"\x00" * 22 + b"\x01\x1e" + b"\x01theora" + b"\x00" * 30,  # Ogg video
        b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"not a frame" * 3,
        b"\xff\xff\xff\xff",  # sync bits alone, no valid layer or bitrate
    ],
)
def test_other_content_is_not_audio(head):
    assert audio_type_sniff(head) is None
