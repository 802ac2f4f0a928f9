"""Thin, idempotent tasks: each calls one service."""

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def inbound_poll() -> dict:
    """Idempotent: messages are kept by (source, Message-ID), so an overlapping or repeated
    poll processes each once."""
    return services.inbound_poll()
