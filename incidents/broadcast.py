"""Sending an incident's updates to its subscribers and the customer's contacts (placeholder:
written by the broadcasting step)."""

from __future__ import annotations

from typing import Any


def update_broadcast(*, update: Any) -> int:
    """Queue ``update`` for every recipient; the number of messages queued."""
    return 0
