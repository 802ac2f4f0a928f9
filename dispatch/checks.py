"""System checks of a production configuration: what must never run in production.

Registered without the ``deploy`` tag on purpose: they run with every ``manage.py`` command
that checks (``check``, ``migrate``, ``runserver``), and config/wsgi.py runs them before serving,
so a production install with a public or missing secret does not start at all. Outside
production (``PRONTO_ENV=embedded``, the demo) they say nothing: the demo's values are meant to
be public there.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

SECRET_KEY_MIN_LENGTH = 50


def _error(message: str, *, setting: str, hint: str, code: str) -> checks.Error:
    return checks.Error(message, hint=hint, obj=setting, id=code)


def production_settings_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """``dispatch.E020`` a setting still holds its public demo value (``PRONTO_DEMO_VALUES``:
    ``SECRET_KEY``, ``PRONTO_TELEPHONY_SECRET``, ``PRONTO_SMS_INBOUND_TOKEN``),
    ``dispatch.E021`` ``SECRET_KEY`` shorter than 50 characters, ``dispatch.E022`` ``DEBUG``
    on, ``dispatch.E023`` ``PRONTO_HISTORY_KEY`` not set (it has no fallback in production),
    ``dispatch.E024`` ``PRONTO_CALLER_TOKEN_KEY`` not set or the same as the history's."""
    if not getattr(settings, "PRODUCTION", False):
        return []
    errors: list[checks.CheckMessage] = []
    for name, demo in getattr(settings, "PRONTO_DEMO_VALUES", {}).items():
        if demo and getattr(settings, name, None) == demo:
            errors.append(
                _error(
                    f"{name} is the public demo value from the repository.",
                    setting=name,
                    hint=f"Set {name} to a random secret of your own (docs/settings.md).",
                    code="dispatch.E020",
                )
            )
    if len(settings.SECRET_KEY) < SECRET_KEY_MIN_LENGTH:
        errors.append(
            _error(
                f"SECRET_KEY has {len(settings.SECRET_KEY)} characters; production needs at least "
                f"{SECRET_KEY_MIN_LENGTH} random ones.",
                setting="SECRET_KEY",
                hint="python -c 'import secrets; print(secrets.token_urlsafe(64))'",
                code="dispatch.E021",
            )
        )
    if settings.DEBUG:
        errors.append(
            _error(
                "DEBUG is on in production: error pages would show settings, code and data.",
                setting="DEBUG",
                hint="Unset DEBUG or set DEBUG=false.",
                code="dispatch.E022",
            )
        )
    if not settings.PRONTO_HISTORY_KEY:
        errors.append(
            _error(
                "PRONTO_HISTORY_KEY is not set: the history's hash chain needs its own key in production.",
                setting="PRONTO_HISTORY_KEY",
                hint="Set a random key and keep it for as long as the history. An installation that "
                "ran without it sealed its history with SECRET_KEY: set PRONTO_HISTORY_KEY to that "
                "value, or verify_history fails for every earlier event (ADR 0001).",
                code="dispatch.E023",
            )
        )
    if (
        not settings.PRONTO_CALLER_TOKEN_KEY
        or settings.PRONTO_CALLER_TOKEN_KEY == settings.PRONTO_HISTORY_KEY
    ):
        errors.append(
            _error(
                "PRONTO_CALLER_TOKEN_KEY is not set, or is the history's key: callers' pseudonyms need "
                "a key of their own in production.",
                setting="PRONTO_CALLER_TOKEN_KEY",
                hint="Set a random key kept outside the database, for as long as calls must be grouped "
                "by caller (ADR 0002).",
                code="dispatch.E024",
            )
        )
    return errors
