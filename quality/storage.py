"""Where the audio lives: the storage alias ``"recordings"`` of ``STORAGES`` (config/quality_settings.py)."""

from django.core.files.storage import Storage, storages


def recordings_storage() -> Storage:
    """The storage of the call recordings (a callable, so settings and tests may change it)."""
    return storages["recordings"]
