"""Inbound mail and faxes (issue 20, docs/inbound.md): where replies and faxes come in from.

Star-imported by ``config/settings.py`` (before its beat schedule, which polls every
``PRONTO_INBOUND_POLL_SECONDS``: the entry ``inbound-poll``). Every source is optional: with none set
(the demo's default) nothing is polled and the fax inbox says so.
"""

import shutil

import environ

_env = environ.Env()

# How many messages one poll takes from each source, and how often beat polls.
PRONTO_INBOUND_BATCH = _env.int("PRONTO_INBOUND_BATCH", default=50)
PRONTO_INBOUND_POLL_SECONDS = _env.float("PRONTO_INBOUND_POLL_SECONDS", default=60.0)
# Attachments larger than this are kept in the raw message but not filed (bytes).
PRONTO_INBOUND_MAX_ATTACHMENT_BYTES = _env.int("PRONTO_INBOUND_MAX_ATTACHMENT_BYTES", default=20_971_520)


def _imap(prefix: str, kind: str) -> dict:
    return {
        "BACKEND": "inbound.backends.imap.ImapMailboxSource",
        "KIND": kind,
        "OPTIONS": {
            "host": _env.str(f"{prefix}_HOST"),
            "port": _env.int(f"{prefix}_PORT", default=993),
            "username": _env.str(f"{prefix}_USER", default=""),
            "password": _env.str(f"{prefix}_PASSWORD", default=""),
            "security": _env.str(f"{prefix}_SECURITY", default="ssl"),
            "folder": _env.str(f"{prefix}_FOLDER", default="INBOX"),
            "done_folder": _env.str(f"{prefix}_DONE_FOLDER", default="Pronto/Filed"),
            "timeout": _env.float(f"{prefix}_TIMEOUT_SECONDS", default=30.0),
        },
    }


PRONTO_INBOUND_SOURCES: dict[str, dict] = {}
# The technicians' replies to the assignment email (its Reply-To, or the sender's mailbox).
if _env.str("PRONTO_INBOUND_REPLIES_HOST", default=""):
    PRONTO_INBOUND_SOURCES["replies"] = _imap("PRONTO_INBOUND_REPLIES", "reply")
# Faxes an email-to-fax provider delivers as PDF or TIFF attachments.
if _env.str("PRONTO_INBOUND_FAXES_HOST", default=""):
    PRONTO_INBOUND_SOURCES["faxes"] = _imap("PRONTO_INBOUND_FAXES", "fax")
# HylaFAX's received queue, where HylaFAX has modems (hfaxd's client protocol).
if _env.str("PRONTO_INBOUND_HYLAFAX_HOST", default=""):
    PRONTO_INBOUND_SOURCES["hylafax"] = {
        "BACKEND": "inbound.backends.hylafax.HylafaxRecvqSource",
        "KIND": "fax",
        "OPTIONS": {
            "host": _env.str("PRONTO_INBOUND_HYLAFAX_HOST"),
            "port": _env.int("PRONTO_INBOUND_HYLAFAX_PORT", default=4559),
            "username": _env.str("PRONTO_INBOUND_HYLAFAX_USER", default="pronto"),
            "password": _env.str("PRONTO_INBOUND_HYLAFAX_PASSWORD", default=""),
            "admin_password": _env.str("PRONTO_INBOUND_HYLAFAX_ADMIN_PASSWORD", default=""),
            "timeout": _env.float("PRONTO_INBOUND_HYLAFAX_TIMEOUT_SECONDS", default=30.0),
        },
    }

# OCR of faxes that are only images (fax machines send TIFF pages; scanned PDFs): the cover
# page's plant code and reference are read with Tesseract (Debian tesseract-ocr, -ita). Empty:
# no OCR; such faxes match by sender's number or subject, or wait in the inbox.
PRONTO_INBOUND_OCR_COMMAND = _env.str("PRONTO_INBOUND_OCR_COMMAND", default=shutil.which("tesseract") or "")
PRONTO_INBOUND_OCR_LANGUAGES = _env.str("PRONTO_INBOUND_OCR_LANGUAGES", default="ita+eng")
PRONTO_INBOUND_OCR_TIMEOUT_SECONDS = _env.float("PRONTO_INBOUND_OCR_TIMEOUT_SECONDS", default=30.0)
