"""Logging (issue 22, docs/deploy.md): every line carries the request id (and the task id inside
a Celery task), see config/logging_context.py.

Star-imported by ``config/settings.py``. ``PRONTO_LOG_FORMAT`` is ``json`` (one object per line,
for a log collector) in production and ``text`` (readable) in the demo and in development.
"""

import environ
from django.core.exceptions import ImproperlyConfigured

_env = environ.Env()

PRONTO_LOG_FORMAT = _env.str(
    "PRONTO_LOG_FORMAT",
    default="json" if _env.str("PRONTO_ENV", default="embedded") == "production" else "text",
)
if PRONTO_LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"PRONTO_LOG_FORMAT must be 'json' or 'text', not {PRONTO_LOG_FORMAT!r}")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_context": {"()": "config.logging_context.RequestContextFilter"}},
    "formatters": {
        "json": {"()": "config.logging_context.JsonFormatter"},
        "text": {"()": "config.logging_context.TextFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": PRONTO_LOG_FORMAT,
            "filters": ["request_context"],
        }
    },
    "root": {"handlers": ["console"], "level": _env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # The middleware writes its own access line (without the path); runserver's repeats it.
        "django.server": {"level": "WARNING"},
        # pymodbus logs every failed connect as a warning; the check's outcome already says it.
        "pymodbus": {"level": "ERROR"},
    },
}
