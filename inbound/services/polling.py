"""Polling the sources: every message is kept as received (raw bytes and their SHA-256) before
anything is done with it, processed once, and put away only when that succeeded.

Idempotent by (source, Message-ID): a message seen again (the move to the filed folder failed,
two pollers overlapped) finds its row; a row already filed, in the inbox or dismissed is just
put away again, never processed twice. A message that fails (malformed, no fax inside, a reply
that names no intervention, a bug) is marked ``failed`` with the reason, logged, left in the
mailbox and tried again at the next poll; the poller goes on with the next message. Supervisors
see failures on ``/inbound/failures/``, retry them from the kept bytes or dismiss them.
"""

from __future__ import annotations

import hashlib
import logging
from email.parser import BytesHeaderParser
from email.policy import compat32

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.choices import Role
from dispatch.roles import has_role
from inbound.backends.base import Fetched, InboundSource, SourceUnavailable, inbound_sources
from inbound.choices import DONE_STATUSES, ItemKind, ItemStatus
from inbound.models import InboundItem

from .faxes import fax_receive
from .replies import reply_apply

logger = logging.getLogger(__name__)


def _headers(raw: bytes) -> tuple[str, str]:
    """(sender, subject) for the lists, read leniently: a message too broken to parse keeps its
    row all the same."""
    try:
        headers = BytesHeaderParser(policy=compat32).parsebytes(raw)
        return (
            " ".join(str(headers.get("From", "") or "").split())[:254],
            " ".join(str(headers.get("Subject", "") or "").split())[:255],
        )
    except Exception:  # noqa: BLE001  (a header parser must never cost us the message)
        return "", ""


def item_keep(*, source: InboundSource, fetched: Fetched) -> tuple[InboundItem, bool]:
    """The row of a fetched message, created with its raw bytes on first sight."""
    existing = InboundItem.objects.filter(source=source.name, message_id=fetched.message_id).first()
    if existing is not None:
        return existing, False
    sender, subject = _headers(fetched.raw)
    try:
        with transaction.atomic():
            item = InboundItem.objects.create(
                source=source.name, kind=source.kind, message_id=fetched.message_id,
                sender=fetched.sender_number or sender, subject=subject, raw=fetched.raw,
                sha256=hashlib.sha256(fetched.raw).hexdigest(),
                received_at=fetched.received_at or timezone.now(),
            )  # fmt: skip
            return item, True
    except IntegrityError:
        # Another poller kept it first.
        return InboundItem.objects.get(source=source.name, message_id=fetched.message_id), False


def item_process(*, item: InboundItem, sender_number: str = "") -> InboundItem:
    """Process one kept item; on any error the item is ``failed`` with the reason (and the
    attempt counted), never raised: the poller and the retry button go on."""
    InboundItem.objects.filter(pk=item.pk).update(attempts=F("attempts") + 1)
    try:
        if item.kind == ItemKind.FAX:
            fax_receive(item=item, sender_number=sender_number)
        else:
            reply_apply(item=item)
    except Exception as exc:  # noqa: BLE001  (any failure is kept and shown, the poll goes on)
        reason = str(exc) or type(exc).__name__
        logger.warning("inbound item %s (%s %s) failed: %s", item.pk, item.source, item.message_id, reason)
        if not isinstance(exc, ValueError):
            logger.exception("inbound item %s: unexpected error", item.pk)
        InboundItem.objects.filter(pk=item.pk).update(
            status=ItemStatus.FAILED, error=reason[:2000], processed_at=timezone.now()
        )
    item.refresh_from_db()
    return item


def inbound_poll(*, sources: list[InboundSource] | None = None) -> dict[str, dict[str, int]]:
    """Poll every source once; returns per source how many messages were seen, newly kept,
    filed, put in the inbox and failed (``unavailable``: 1 when the source could not be asked)."""
    summary: dict[str, dict[str, int]] = {}
    for source in inbound_sources() if sources is None else sources:
        counts = dict.fromkeys(("seen", "kept", "filed", "in_inbox", "failed", "unavailable"), 0)
        summary[source.name] = counts
        # Sources that keep their messages (HylaFAX's queue) skip what is done without fetching it.
        if hasattr(source, "is_done"):
            source.is_done = lambda message_id, name=source.name: InboundItem.objects.filter(
                source=name, message_id=message_id, status__in=DONE_STATUSES
            ).exists()
        try:
            with source:
                for fetched in source.fetch(limit=settings.PRONTO_INBOUND_BATCH):
                    counts["seen"] += 1
                    item, created = item_keep(source=source, fetched=fetched)
                    counts["kept"] += int(created)
                    if item.status not in DONE_STATUSES:
                        item = item_process(item=item, sender_number=fetched.sender_number)
                        counts[item.status] = counts.get(item.status, 0) + 1
                    if item.status in DONE_STATUSES:
                        source.done(fetched)
        except SourceUnavailable as exc:
            logger.warning("inbound source %s unavailable: %s", source.name, exc)
            counts["unavailable"] = 1
    return summary


def item_retry(*, actor, item: InboundItem) -> InboundItem:
    """A supervisor retries a failed item from its kept bytes; the mailbox copy is put away at
    the next poll once the item is done."""
    if not has_role(actor, Role.SUPERVISOR):
        raise PermissionDenied(_("Your role does not allow this action."))
    if item.status != ItemStatus.FAILED:
        return item
    return item_process(item=item)


def item_dismiss(*, actor, item: InboundItem) -> InboundItem:
    """A supervisor gives a failed item up: it is kept (raw and reason) but no longer retried,
    and its message is put away at the next poll."""
    if not has_role(actor, Role.SUPERVISOR):
        raise PermissionDenied(_("Your role does not allow this action."))
    updated = InboundItem.objects.filter(pk=item.pk, status=ItemStatus.FAILED).update(
        status=ItemStatus.DISMISSED, processed_at=timezone.now()
    )
    if updated:
        logger.info("inbound item %s dismissed by %s", item.pk, actor)
    item.refresh_from_db()
    return item
