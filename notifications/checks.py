"""System checks: every channel's gateway backend loads and accepts its settings.

Run by ``manage.py check`` (and so by ``migrate``, ``runserver`` and the deploy check), so a
typo in ``PRONTO_SMS_BACKEND`` or a missing Kannel password stops the deployment instead of
failing the first emergency SMS. Only ``check_config`` is called, which never touches the
network: a gateway that is down at deploy time is the outbox's business (retries), not a
configuration error.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from dispatch.inputs import networks_parse

from .backends.base import NotABackend, notification_backend
from .choices import Channel

# What the operator sets in the environment (config/settings.py, docs/settings.md).
BACKEND_VARIABLES: dict[str, str] = {
    Channel.SMS: "PRONTO_SMS_BACKEND",
    Channel.EMAIL: "PRONTO_EMAIL_BACKEND",
    Channel.FAX: "PRONTO_FAX_BACKEND",
}
OPTION_VARIABLES: dict[str, str] = {
    Channel.SMS: "PRONTO_KANNEL_* and PRONTO_SMS_*",
    Channel.EMAIL: "PRONTO_SMTP_* and PRONTO_EMAIL_FROM",
    Channel.FAX: "PRONTO_FAX_*, PRONTO_HYLAFAX_* and PRONTO_EMAIL_FROM",
}


def _setting(channel: str, key: str) -> str:
    return f"PRONTO_NOTIFICATION_BACKENDS[{channel!r}][{key!r}]"


def _backend_hint(channel: str) -> str:
    return (
        f"Set {BACKEND_VARIABLES[channel]} ({_setting(channel, 'BACKEND')}) to the dotted path of a "
        "notifications.backends class, e.g. notifications.backends.outbox.OutboxBackend."
    )


def _options_hint(channel: str) -> str:
    return f"Check {OPTION_VARIABLES[channel]} ({_setting(channel, 'OPTIONS')}); see docs/settings.md."


def _backend_error(channel: str, message: str, code: str) -> checks.Error:
    """E001 and E003 are about the backend's class, E002 about its options."""
    if code == "notifications.E002":
        return checks.Error(message, hint=_options_hint(channel), obj=_setting(channel, "OPTIONS"), id=code)
    return checks.Error(message, hint=_backend_hint(channel), obj=_setting(channel, "BACKEND"), id=code)


def _channel_problem(channel: str, spec: Any) -> tuple[str, str] | None:
    """(message, check id) of the first thing wrong with ``channel``'s backend, or ``None``."""
    if not isinstance(spec, dict) or not spec.get("BACKEND"):
        return f"No notification backend is configured for the {channel} channel.", "notifications.E001"
    path = spec["BACKEND"]
    try:
        backend = notification_backend(channel)
    except ImportError as exc:
        return f"The {channel} notification backend {path!r} cannot be imported: {exc}", "notifications.E001"
    except NotABackend:
        message = f"The {channel} notification backend {path!r} is not a NotificationBackend."
        return message, "notifications.E001"
    except (ImproperlyConfigured, TypeError, ValueError) as exc:
        return f"The {channel} notification backend {path!r} refuses its options: {exc}", "notifications.E002"
    if backend.channel and backend.channel != channel:
        message = f"The {channel} notification backend {path!r} sends {backend.channel}, not {channel}."
        return message, "notifications.E003"
    try:
        backend.check_config()
    except ImproperlyConfigured as exc:
        return f"The {channel} notification backend refuses its settings: {exc}", "notifications.E002"
    return None


def notification_backends_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """One ``Error`` per channel whose backend cannot be used: ``notifications.E001`` when the
    class cannot be loaded (no setting, a path that does not import, not a backend),
    ``notifications.E002`` when it refuses its options (``check_config`` raised
    ``ImproperlyConfigured``, or the options do not fit its constructor), ``notifications.E003``
    when it is another channel's backend. No network access."""
    configured = getattr(settings, "PRONTO_NOTIFICATION_BACKENDS", {})
    errors: list[checks.CheckMessage] = []
    for channel in Channel.values:
        problem = _channel_problem(channel, configured.get(channel))
        if problem is not None:
            errors.append(_backend_error(channel, *problem))
    return errors


def delivery_timing_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """``notifications.W001`` when a delivery task may still be running (up to its hard time
    limit, the soft limit + 30 s) when the sweeper already takes its row back as abandoned: the
    message could then go out twice."""
    hard_limit = settings.PRONTO_NOTIFICATION_TASK_TIME_LIMIT_SECONDS + 30
    if hard_limit < settings.PRONTO_NOTIFICATION_STUCK_SECONDS:
        return []
    return [
        checks.Warning(
            f"A delivery task may run for {hard_limit} s, but the sweeper takes back rows left in "
            f"'sending' after {settings.PRONTO_NOTIFICATION_STUCK_SECONDS} s: a slow send could be "
            "sent twice.",
            hint="Set PRONTO_NOTIFICATION_STUCK_SECONDS above "
            "PRONTO_NOTIFICATION_TASK_TIME_LIMIT_SECONDS + 30.",
            obj="PRONTO_NOTIFICATION_STUCK_SECONDS",
            id="notifications.W001",
        )
    ]


def sms_inbound_token_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """``notifications.E010``: in production, SMS through Kannel with no
    ``PRONTO_SMS_INBOUND_TOKEN``. Kannel's sms-service posts technicians' replies with that
    token; an empty one would accept any request as a reply (or refuse every real one). The
    demo's public token is refused by ``dispatch.E020``."""
    if not getattr(settings, "PRODUCTION", False) or settings.PRONTO_SMS_INBOUND_TOKEN:
        return []
    from .backends.kannel import KannelSmsBackend

    try:
        backend = notification_backend(Channel.SMS)
    except (ImportError, ImproperlyConfigured, TypeError, ValueError):
        return []  # notification_backends_check reports it
    if not isinstance(backend, KannelSmsBackend):
        return []
    return [
        checks.Error(
            "PRONTO_SMS_INBOUND_TOKEN is empty while SMS go through Kannel, whose replies it authenticates.",
            hint="Set PRONTO_SMS_INBOUND_TOKEN to a random token and put it in Kannel's sms-service "
            "get-url (docs/notifications.md, 'Replies').",
            obj="PRONTO_SMS_INBOUND_TOKEN",
            id="notifications.E010",
        )
    ]


def sms_inbound_addresses_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """``notifications.E011`` when ``PRONTO_SMS_INBOUND_ALLOWED_ADDRESSES`` holds an entry that
    is neither an IP address nor a network: the inbound endpoint would let nobody in."""
    entries = settings.PRONTO_SMS_INBOUND_ALLOWED_ADDRESSES
    try:
        networks_parse(entries.split(",") if isinstance(entries, str) else entries)
    except ValueError as exc:
        return [
            checks.Error(
                f"PRONTO_SMS_INBOUND_ALLOWED_ADDRESSES: {exc}.",
                hint="Comma-separated IP addresses or CIDR networks (10.0.0.5, 192.168.1.0/24, ::1); "
                "empty takes inbound SMS from any address.",
                obj="PRONTO_SMS_INBOUND_ALLOWED_ADDRESSES",
                id="notifications.E011",
            )
        ]
    return []


def centre_contacts_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """``notifications.E012`` when faxes go to a real gateway while ``PRONTO_CENTRE_PHONE`` is
    empty: the dispatch fax tells the technician to call that number to acknowledge, and a
    technician at a fax machine has no other way back in a hurry."""
    if settings.PRONTO_CENTRE_PHONE.strip():
        return []
    from .backends.outbox import OutboxBackend

    try:
        backend = notification_backend(Channel.FAX)
    except (ImportError, ImproperlyConfigured, TypeError, ValueError):
        return []  # notification_backends_check reports it
    if isinstance(backend, OutboxBackend):
        return []
    return [
        checks.Error(
            "PRONTO_CENTRE_PHONE is empty while faxes go to a fax gateway: the dispatch fax would give "
            "the technician no number to call back and acknowledge on.",
            hint="Set PRONTO_CENTRE_PHONE (and PRONTO_CENTRE_NAME, PRONTO_CENTRE_FAX, PRONTO_CENTRE_EMAIL: "
            "the fax's header; docs/settings.md).",
            obj="PRONTO_CENTRE_PHONE",
            id="notifications.E012",
        )
    ]
