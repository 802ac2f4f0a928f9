"""Inbound mail and faxes (issue 20, docs/inbound.md): where replies and faxes come in from.

Star-imported at the end of ``config/settings.py``. Every source is optional: with none set
(the demo's default) nothing is polled and the fax inbox says so.
"""

import environ

env = environ.Env()

# How many messages one poll takes from each source, and how often beat polls.
PRONTO_INBOUND_BATCH = env.int("PRONTO_INBOUND_BATCH", default=50)
PRONTO_INBOUND_POLL_SECONDS = env.float("PRONTO_INBOUND_POLL_SECONDS", default=60.0)
# Attachments larger than this are kept in the raw message but not filed (bytes).
PRONTO_INBOUND_MAX_ATTACHMENT_BYTES = env.int("PRONTO_INBOUND_MAX_ATTACHMENT_BYTES", default=20 * 1024 * 1024)


def _imap(prefix: str, kind: str) -> dict:
    return {
        "BACKEND": "inbound.backends.imap.ImapMailboxSource",
        "KIND": kind,
        "OPTIONS": {
            "host": env.str(f"{prefix}_HOST"),
            "port": env.int(f"{prefix}_PORT", default=993),
            "username": env.str(f"{prefix}_USER", default=""),
            "password": env.str(f"{prefix}_PASSWORD", default=""),
            "security": env.str(f"{prefix}_SECURITY", default="ssl"),
            "folder": env.str(f"{prefix}_FOLDER", default="INBOX"),
            "done_folder": env.str(f"{prefix}_DONE_FOLDER", default="Pronto/Filed"),
            "timeout": env.float(f"{prefix}_TIMEOUT_SECONDS", default=30.0),
        },
    }


PRONTO_INBOUND_SOURCES: dict[str, dict] = {}
# The technicians' replies to the assignment email (its Reply-To, or the sender's mailbox).
if env.str("PRONTO_INBOUND_REPLIES_HOST", default=""):
    PRONTO_INBOUND_SOURCES["replies"] = _imap("PRONTO_INBOUND_REPLIES", "reply")
# Faxes an email-to-fax provider delivers as PDF or TIFF attachments.
if env.str("PRONTO_INBOUND_FAXES_HOST", default=""):
    PRONTO_INBOUND_SOURCES["faxes"] = _imap("PRONTO_INBOUND_FAXES", "fax")
# HylaFAX's received queue, where HylaFAX has modems (hfaxd's client protocol).
if env.str("PRONTO_INBOUND_HYLAFAX_HOST", default=""):
    PRONTO_INBOUND_SOURCES["hylafax"] = {
        "BACKEND": "inbound.backends.hylafax.HylafaxRecvqSource",
        "KIND": "fax",
        "OPTIONS": {
            "host": env.str("PRONTO_INBOUND_HYLAFAX_HOST"),
            "port": env.int("PRONTO_INBOUND_HYLAFAX_PORT", default=4559),
            "username": env.str("PRONTO_INBOUND_HYLAFAX_USER", default="pronto"),
            "password": env.str("PRONTO_INBOUND_HYLAFAX_PASSWORD", default=""),
            "admin_password": env.str("PRONTO_INBOUND_HYLAFAX_ADMIN_PASSWORD", default=""),
            "timeout": env.float("PRONTO_INBOUND_HYLAFAX_TIMEOUT_SECONDS", default=30.0),
        },
    }

CELERY_BEAT_SCHEDULE_INBOUND = {
    # Replies and faxes from the mailboxes and HylaFAX (inbound/services/polling.py).
    "inbound-poll": {"task": "inbound.tasks.inbound_poll", "schedule": PRONTO_INBOUND_POLL_SECONDS},
}
