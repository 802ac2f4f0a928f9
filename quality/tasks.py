"""Thin, idempotent tasks: each calls one service."""

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def recording_fetch(call_id: int, url: str) -> None:
    """Idempotent: recordings are kept once per call and digest, so a repeated fetch adds nothing."""
    services.recording_fetch(call_id=call_id, url=url)


@shared_task(ignore_result=True)
def recordings_expire() -> int:
    """Idempotent: a recording whose audio is deleted is skipped."""
    return services.recordings_expire()
