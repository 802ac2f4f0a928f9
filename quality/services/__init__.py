"""The quality app's writes, by subject: ``recordings`` (receive, fetch, listen, expire)."""

from .recordings import (
    recording_fetch,
    recording_fetch_request,
    recording_listen,
    recording_receive,
    recording_store,
    recordings_expire,
    retention_days_for,
)

__all__ = [
    "recording_fetch",
    "recording_fetch_request",
    "recording_listen",
    "recording_receive",
    "recording_store",
    "recordings_expire",
    "retention_days_for",
]
