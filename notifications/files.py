"""Files an outbox row carries, kept so that every attempt sends the same bytes.

A row's ``attachments`` names each file: ``{"file": <name in the media storage>, "filename",
"content_type"}`` for a file handed to the outbox (``file_keep``: a monthly report's PDF), or
``{"document": <PlantDocument id>, "filename", ...}`` for a plant's document (an assignment's
documents, a fax page archived on the plant). The bytes are read again at each attempt.

Rows written before an app handed its files to the outbox name them in that app's own way
(``{"report_run": <id>}``); that app registers a loader for its key in its ``AppConfig.ready()``
(``attachment_loader_register``), so such a row, still queued, goes out as it would have.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from notifications.backends.base import Attachment

# Under MEDIA_ROOT, beside the plants' documents; never served as-is.
FILES_DIR = "notifications"

AttachmentLoader = Callable[[dict], Attachment | None]
_loaders: dict[str, AttachmentLoader] = {}


def file_keep(file: Attachment, *, now: datetime) -> dict:
    """Store the file's bytes under a name of its own (a directory per file keeps its filename
    as given) and return the item a row names it by. Called inside the caller's transaction: a
    rollback leaves an unreferenced file behind, never a row without its file."""
    filename = default_storage.get_valid_name(file.filename.rsplit("/", 1)[-1]) or "file"
    name = default_storage.save(
        f"{FILES_DIR}/{now:%Y/%m}/{uuid.uuid4().hex}/{filename}", ContentFile(file.content)
    )
    return {"file": name, "filename": file.filename, "content_type": file.content_type}


def file_load(item: dict) -> Attachment:
    """The bytes of a file kept by ``file_keep``."""
    with default_storage.open(item["file"], "rb") as handle:
        return Attachment(item["filename"], item["content_type"], handle.read())


def attachment_loader_register(key: str, loader: AttachmentLoader) -> None:
    """``loader(item)`` loads the attachments named ``{key: ...}`` (None: nothing to attach)."""
    _loaders[key] = loader


def attachment_loader_for(item: dict) -> AttachmentLoader | None:
    return next((loader for key, loader in _loaders.items() if key in item), None)
