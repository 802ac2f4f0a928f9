"""Reads of the inbound app: the fax inbox, the failures, one fax or item for a user."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from dispatch.access import get_for_user, restrict

from .choices import ItemStatus
from .models import InboundItem, ReceivedFax


def fax_list_inbox(*, user: Any) -> QuerySet[ReceivedFax]:
    """Faxes not filed yet, newest first."""
    waiting = ReceivedFax.objects.filter(document__isnull=True, item__status=ItemStatus.IN_INBOX)
    # The raw messages (megabytes each) are not read to list them.
    return restrict(waiting, user).select_related("item").defer("item__raw")


def fax_list_filed(*, user: Any, limit: int = 20) -> QuerySet[ReceivedFax]:
    """The latest faxes filed, automatically or by an operator."""
    return restrict(ReceivedFax.objects.filter(document__isnull=False), user).select_related(
        "plant", "intervention", "filed_by"
    )[:limit]


def fax_get_for_user(*, user: Any, pk: int) -> ReceivedFax:
    return get_for_user(ReceivedFax.objects.select_related("item"), user, pk)


def item_list_failed(*, user: Any) -> QuerySet[InboundItem]:
    return restrict(InboundItem.objects.filter(status=ItemStatus.FAILED), user).defer("raw")


def item_get_for_user(*, user: Any, pk: int) -> InboundItem:
    return get_for_user(InboundItem.objects.all(), user, pk)
