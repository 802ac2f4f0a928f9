"""System check of the phone-system webhook's secret in production."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

SECRET_MIN_LENGTH = 32


def telephony_secret_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """``telephony.E001``: in production the webhook's HMAC secret must have at least 32
    characters (the demo's public one is refused by ``dispatch.E020`` too)."""
    if not getattr(settings, "PRODUCTION", False):
        return []
    secret = settings.PRONTO_TELEPHONY_SECRET
    if len(secret) >= SECRET_MIN_LENGTH:
        return []
    return [
        checks.Error(
            f"PRONTO_TELEPHONY_SECRET has {len(secret)} characters; production needs at least "
            f"{SECRET_MIN_LENGTH}: anyone who guesses it can ring calls into the board.",
            hint="Set the same random secret here and in the phone system's webhook (docs/settings.md).",
            obj="PRONTO_TELEPHONY_SECRET",
            id="telephony.E001",
        )
    ]
