"""Serving a stored file with HTTP range requests (RFC 9110 §14), so a long recording seeks.

Django's ``FileResponse`` sends the whole file; a browser's ``<audio>`` asks ``Range: bytes=N-``
when the listener jumps ahead, and without a 206 it cannot seek. One range per request (a
browser never asks for more); several ranges, or one that does not parse, get the whole file
(as RFC 9110 allows: a server may ignore Range); a range that starts past the end is 416.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO

from django.http import HttpResponse, StreamingHttpResponse

CHUNK = 64 * 1024
_RANGE = re.compile(r"^bytes=(\d{0,19})-(\d{0,19})$")


class Unsatisfiable(Exception):
    """The range asks for bytes the file does not have."""


def range_parse(header: str, size: int) -> tuple[int, int] | None:
    """The first and last byte (inclusive) that ``header`` asks of a file of ``size`` bytes; None
    for the whole file (no header, one that does not parse, several ranges); ``Unsatisfiable``
    when it starts past the end (or asks for the last 0 bytes)."""
    match = _RANGE.match(header.strip().replace(" ", "")) if header else None
    if match is None:
        return None
    first, last = match.group(1), match.group(2)
    if not first and not last:
        return None
    if not first:
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise Unsatisfiable
        return max(0, size - suffix), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size:
        raise Unsatisfiable
    if end < start:
        return None
    return start, end


def _chunks(file: IO[bytes], start: int, length: int) -> Iterator[bytes]:
    try:
        file.seek(start)
        while length > 0:
            chunk = file.read(min(CHUNK, length))
            if not chunk:
                break
            length -= len(chunk)
            yield chunk
    finally:
        file.close()


def ranged_response(
    file: IO[bytes], *, size: int, content_type: str, range_header: str, filename: str
) -> HttpResponse | StreamingHttpResponse:
    """200 with the whole file, 206 with the range asked, or 416; ``file`` is closed when done."""
    try:
        span = range_parse(range_header, size)
    except Unsatisfiable:
        file.close()
        refused = HttpResponse(status=416)
        refused["Content-Range"] = f"bytes */{size}"
        refused["Accept-Ranges"] = "bytes"
        return refused
    start, end = span if span else (0, size - 1)
    length = max(0, end - start + 1)
    response = StreamingHttpResponse(_chunks(file, start, length), status=206 if span else 200)
    response["Content-Type"] = content_type
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    if span:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    return response
