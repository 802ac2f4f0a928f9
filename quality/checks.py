"""``manage.py check``: the recordings' settings must make sense before anything is received."""

from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import InvalidStorageError, storages

from dispatch.choices import Role


def recordings_settings_check(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    unknown = sorted(set(settings.PRONTO_RECORDING_LISTEN_ROLES) - set(Role.values))
    if unknown:
        errors.append(
            checks.Error(
                f"PRONTO_RECORDING_LISTEN_ROLES names no role: {', '.join(unknown)}", id="quality.E001"
            )
        )
    try:
        storages.create_storage(settings.STORAGES["recordings"])
    except (KeyError, InvalidStorageError, ImproperlyConfigured, ImportError, TypeError) as exc:
        errors.append(
            checks.Error(
                f"STORAGES['recordings'] (PRONTO_RECORDING_STORAGE) cannot be built: {exc}", id="quality.E002"
            )
        )
    if settings.PRONTO_RECORDING_MAX_BYTES < 1 or settings.PRONTO_RECORDING_RETENTION_DAYS < 1:
        errors.append(
            checks.Error(
                "PRONTO_RECORDING_MAX_BYTES and PRONTO_RECORDING_RETENTION_DAYS must be positive",
                id="quality.E003",
            )
        )
    return errors
