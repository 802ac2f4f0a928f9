"""The centre as the dispatch fax's header names it, and where the fax tells a technician to
answer (call back, fax back, write): settings read from the environment, imported by
``config.settings`` (kept apart to keep that module readable). Demo values in the embedded
mode; empty in production until set, and a fax gateway without the phone stops the start
(``notifications.E012``). docs/settings.md lists them."""

import environ

env = environ.Env()
_DEMO = env.str("PRONTO_ENV", default="embedded") != "production"

__all__ = ["PRONTO_CENTRE_NAME", "PRONTO_CENTRE_PHONE", "PRONTO_CENTRE_FAX", "PRONTO_CENTRE_EMAIL"]

PRONTO_CENTRE_NAME = env.str("PRONTO_CENTRE_NAME", default="Pronto - centrale operativa" if _DEMO else "")
PRONTO_CENTRE_PHONE = env.str("PRONTO_CENTRE_PHONE", default="+39 02 1234 5678" if _DEMO else "")
PRONTO_CENTRE_FAX = env.str("PRONTO_CENTRE_FAX", default="+39 02 1234 5679" if _DEMO else "")
PRONTO_CENTRE_EMAIL = env.str("PRONTO_CENTRE_EMAIL", default="centrale@pronto.example.org" if _DEMO else "")
