"""Inbound mail and faxes, by subject: ``polling`` (taking messages from the sources, keeping
them, retrying failures), ``faxes`` (received faxes: matched and filed, or the inbox) and
``replies`` (technicians' replies to the assignment email). Callers import from here."""

from .faxes import fax_file, fax_match, fax_receive
from .polling import inbound_poll, item_dismiss, item_keep, item_process, item_retry
from .replies import reply_apply

__all__ = [
    "inbound_poll",
    "item_keep",
    "item_process",
    "item_retry",
    "item_dismiss",
    "fax_receive",
    "fax_match",
    "fax_file",
    "reply_apply",
]
