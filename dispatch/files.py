"""Stored files are judged by their content, never by their name.

Every file Pronto keeps (a plant's archive uploaded in the admin, a photo from the site, a fax it
rendered) must be one of ``ALLOWED``: recognised by its first bytes, and an image only if Pillow
reads it whole as the format its bytes announce. A download says the type found here, never one
guessed from the name; only a verified image is shown inline (a page shows the photos), anything
else is an attachment. A supervisor's ``pic.html`` uploaded as a "photo" is refused at upload,
and were such a file on disk, it would still leave as an attachment of a harmless type.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Read this much to judge a file: magic numbers sit in the first bytes; plain text is judged on
# this much of it.
SNIFF_BYTES = 64 * 1024


@dataclass(frozen=True)
class FileType:
    """A kind of file Pronto keeps: the type a download declares, and whether it is an image a
    page may show inline (once verified)."""

    name: str
    content_type: str
    image: bool = False


PDF = FileType("PDF", "application/pdf")
JPEG = FileType("JPEG", "image/jpeg", image=True)
PNG = FileType("PNG", "image/png", image=True)
WEBP = FileType("WebP", "image/webp", image=True)
# TIFF is a fax's own format; browsers do not show it, so it is never inline.
TIFF = FileType("TIFF", "image/tiff")
TEXT = FileType("text", "text/plain; charset=utf-8")
ALLOWED = (PDF, JPEG, PNG, WEBP, TIFF, TEXT)
# Pillow's name of each format shown inline: the image must decode as what its bytes announce.
_PILLOW_FORMATS = {JPEG: "JPEG", PNG: "PNG", WEBP: "WEBP"}
# Control characters plain text never holds (tab, line feed, form feed, carriage return may).
_CONTROL = frozenset(range(32)) - {9, 10, 12, 13}


def file_type_sniff(head: bytes) -> FileType | None:
    """The allowed type ``head`` (a file's first bytes) announces, or None."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return TIFF
    if _is_plain_text(head):
        return TEXT
    return None


def _is_plain_text(head: bytes) -> bool:
    """UTF-8 without control characters, and not markup: HTML, SVG or XML is not plain text
    (a browser would run it), whatever its name says."""
    if not head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the sniffing window is still text.
        if exc.start < len(head) - 3 or len(head) < SNIFF_BYTES:
            return False
        text = head[: exc.start].decode("utf-8")
    if any(ord(char) in _CONTROL for char in text):
        return False
    return not text.lstrip("\ufeff \t\r\n\f").startswith("<")


def file_type_of(file: Any) -> FileType | None:
    """The allowed type of an open file (a ``File``, an upload, a stored ``FieldFile``), images
    verified whole; None if it is none of ``ALLOWED``. Leaves the file at its start."""
    handle: IO[bytes] = file
    handle.seek(0)
    head = handle.read(SNIFF_BYTES)
    handle.seek(0)
    found = file_type_sniff(head)
    if found is not None and found in _PILLOW_FORMATS and not _image_verified(handle, found):
        found = None
    handle.seek(0)
    return found


def _image_verified(handle: IO[bytes], expected: FileType) -> bool:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(handle) as image:
            if image.format != _PILLOW_FORMATS[expected]:
                return False
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return False
    return True


def file_content_allowed(file: Any) -> None:
    """Validator of every stored file: one of ``ALLOWED`` by its content."""
    if file_type_of(file) is None:
        raise ValidationError(
            _("This file is not one Pronto keeps: PDF, JPEG, PNG, WebP, TIFF or plain text, by its content."),
            code="file_type",
        )


def file_image_required(file: Any) -> None:
    """A photo must be an image a page can show: JPEG, PNG or WebP, read whole."""
    found = file_type_of(file)
    if found is None or not found.image:
        raise ValidationError(_("A photo is a JPEG, PNG or WebP image."), code="image_type")
