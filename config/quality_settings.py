"""Call recordings (issue 21, docs/quality.md): where the audio is kept, how big it may be, who
hears it and how long it is kept.

Star-imported by ``config/settings.py``, which then adds ``RECORDING_STORAGE`` to ``STORAGES`` as
the alias ``"recordings"`` and ``RECORDING_EXPIRE_BEAT`` to the beat schedule.
"""

from pathlib import Path

import environ

_env = environ.Env()
_VAR_DIR = Path(_env.str("PRONTO_VAR_DIR", default=str(Path(__file__).resolve().parent.parent / "var")))

# The storage of the audio: the file system by default; any Django storage class by name, e.g.
# "storages.backends.s3.S3Storage" (django-storages[s3]) with its options as JSON.
RECORDING_STORAGE = {
    "BACKEND": _env.str("PRONTO_RECORDING_STORAGE", default="django.core.files.storage.FileSystemStorage"),
    "OPTIONS": _env.json(
        "PRONTO_RECORDING_STORAGE_OPTIONS",
        default={"location": _env.str("PRONTO_RECORDING_ROOT", default=str(_VAR_DIR / "recordings"))},
    ),
}
# A recording larger than this is refused (uploaded) or abandoned (fetched), in bytes.
PRONTO_RECORDING_MAX_BYTES = _env.int("PRONTO_RECORDING_MAX_BYTES", default=200 * 1024 * 1024)
# Fetching a recording from the URL the phone system gives: the whole download's time bound.
PRONTO_RECORDING_FETCH_TIMEOUT_SECONDS = _env.float("PRONTO_RECORDING_FETCH_TIMEOUT_SECONDS", default=60.0)
# Fetch from private, loopback or link-local addresses (a phone system on the same network).
PRONTO_RECORDING_FETCH_ALLOW_PRIVATE = _env.bool("PRONTO_RECORDING_FETCH_ALLOW_PRIVATE", default=False)
# The roles that may hear recordings (and download the evidence pack: supervisors always).
PRONTO_RECORDING_LISTEN_ROLES = _env.list("PRONTO_RECORDING_LISTEN_ROLES", default=["supervisor"])
# Days a recording is kept when no retention rule matches its call.
PRONTO_RECORDING_RETENTION_DAYS = _env.int("PRONTO_RECORDING_RETENTION_DAYS", default=365)
RECORDING_EXPIRE_BEAT = {"task": "quality.tasks.recordings_expire", "schedule": 3600.0}
