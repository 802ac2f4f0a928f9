"""``manage.py check``: every inbound source in settings must be buildable and configured."""

from django.core import checks
from django.core.exceptions import ImproperlyConfigured


def inbound_sources_check(app_configs, **kwargs) -> list[checks.CheckMessage]:
    from .backends.base import inbound_sources

    try:
        inbound_sources()
    except (ImproperlyConfigured, ImportError, KeyError, TypeError) as exc:
        return [checks.Error(f"PRONTO_INBOUND_SOURCES: {exc}", id="inbound.E001")]
    return []
