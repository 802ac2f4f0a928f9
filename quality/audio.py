"""Audio judged by its content, never by its name or the declared type (as ``dispatch.files``
does for documents): WAV (RIFF/WAVE), MP3 (an ID3 tag before an MPEG audio frame, or the frame
itself) and Ogg (Opus or Vorbis). The duration is read where it is cheap: the WAV header, the
last Ogg page's granule position; an MP3 has none without decoding, so it stays unknown.

Kept apart from ``dispatch.files.ALLOWED`` on purpose: a plant's archive or a photo upload must
not start accepting audio because calls are recorded.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import IO

SNIFF_BYTES = 64 * 1024
# How far from the end the last Ogg page is looked for (a page is at most 65 307 bytes).
OGG_TAIL_BYTES = 70 * 1024
OPUS_RATE = 48_000


@dataclass(frozen=True)
class AudioType:
    """A recording's format: its name, the type a download declares, and a file extension."""

    name: str
    content_type: str
    extension: str


WAV = AudioType("WAV", "audio/wav", "wav")
MP3 = AudioType("MP3", "audio/mpeg", "mp3")
OPUS = AudioType("Opus", "audio/ogg; codecs=opus", "opus")
VORBIS = AudioType("Vorbis", "audio/ogg; codecs=vorbis", "ogg")
AUDIO_TYPES = (WAV, MP3, OPUS, VORBIS)


def _mpeg_frame(head: bytes, at: int) -> bool:
    """An MPEG audio frame header at ``at``: the sync bits, a layer, a bitrate and a sample rate."""
    if len(head) < at + 4 or head[at] != 0xFF or head[at + 1] & 0xE0 != 0xE0:
        return False
    version, layer = (head[at + 1] >> 3) & 3, (head[at + 1] >> 1) & 3
    bitrate, rate = head[at + 2] >> 4, (head[at + 2] >> 2) & 3
    return version != 1 and layer != 0 and bitrate not in (0, 15) and rate != 3


def audio_type_sniff(head: bytes) -> AudioType | None:
    """The audio type ``head`` (a file's first bytes) holds, or None."""
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return WAV
    if head.startswith(b"OggS") and len(head) >= 28:
        # The first page carries the codec's identification header, at its first packet.
        segments = head[26]
        packet = head[27 + segments : 27 + segments + 16]
        if packet.startswith(b"OpusHead"):
            return OPUS
        if packet.startswith(b"\x01vorbis"):
            return VORBIS
        return None
    if head.startswith(b"ID3") and len(head) >= 10:
        # A tag of 10 bytes plus its syncsafe size (a footer adds 10), then the first frame.
        size = (head[6] << 21) | (head[7] << 14) | (head[8] << 7) | head[9]
        end = 10 + size + (10 if head[5] & 0x10 else 0)
        if end + 4 > len(head):
            return MP3 if len(head) >= SNIFF_BYTES else None
        return MP3 if _mpeg_frame(head, end) else None
    if _mpeg_frame(head, 0):
        return MP3
    return None


def audio_duration(file: IO[bytes], kind: AudioType) -> float | None:
    """The recording's length in seconds where its header or last page says it; else None.
    Leaves the file's position at its start."""
    try:
        if kind == WAV:
            file.seek(0)
            return _wav_duration(file.read(SNIFF_BYTES))
        if kind in (OPUS, VORBIS):
            return _ogg_duration(file, kind)
    except (IndexError, ValueError, OSError):
        return None
    finally:
        file.seek(0)
    return None


def _wav_duration(head: bytes) -> float | None:
    """The ``data`` chunk's size over the ``fmt `` chunk's byte rate, walking the RIFF chunks (the
    standard library's ``wave`` refuses WAVE_FORMAT_EXTENSIBLE, which sox writes)."""
    at, byte_rate = 12, 0
    while at + 8 <= len(head):
        chunk, size = head[at : at + 4], int.from_bytes(head[at + 4 : at + 8], "little")
        if chunk == b"fmt " and size >= 16:
            byte_rate = int.from_bytes(head[at + 16 : at + 20], "little")
        elif chunk == b"data":
            return size / byte_rate if byte_rate else None
        at += 8 + size + (size & 1)
    return None


def _ogg_duration(file: IO[bytes], kind: AudioType) -> float | None:
    file.seek(0)
    head = file.read(SNIFF_BYTES)
    segments = head[26]
    packet = head[27 + segments :]
    file.seek(0, io.SEEK_END)
    size = file.tell()
    file.seek(max(0, size - OGG_TAIL_BYTES))
    tail = file.read()
    last = tail.rfind(b"OggS")
    if last < 0 or len(tail) < last + 14:
        return None
    granule = int.from_bytes(tail[last + 6 : last + 14], "little")
    if kind == OPUS:
        pre_skip = int.from_bytes(packet[10:12], "little")
        return max(0, granule - pre_skip) / OPUS_RATE
    rate = int.from_bytes(packet[12:16], "little")
    return granule / rate if rate else None
