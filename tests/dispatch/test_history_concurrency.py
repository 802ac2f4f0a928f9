"""Parallel writers on PostgreSQL: one subject's chain stays contiguous; different subjects
do not wait for each other."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from dispatch import services
from dispatch.models import Call, Event
from dispatch.selectors import history_verify

from .helpers import call_logged

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _in_thread(work):
    def run(*args):
        try:
            return work(*args)
        finally:
            connections.close_all()

    return run


def test_parallel_updates_of_one_call_make_one_contiguous_chain(users, plant):
    call = call_logged(users, plant)
    start = threading.Barrier(8)

    @_in_thread
    def update(index):
        start.wait()
        services.call_update(
            actor=users["operator"], call=Call.objects.get(pk=call.pk), notes=f"note {index}"
        )

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(update, range(8)))
    seqs = list(Event.objects.filter(call=call).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, 10))
    assert not history_verify().problems


def test_a_held_call_lock_does_not_block_logging_other_calls(users, plant):
    """While one transaction holds a call's row lock (and so its chain), others log new calls."""
    held = call_logged(users, plant)
    locked, release = threading.Event(), threading.Event()

    @_in_thread
    def hold():
        from django.db import transaction

        with transaction.atomic():
            Call.objects.select_for_update().get(pk=held.pk)
            locked.set()
            release.wait(timeout=30)

    @_in_thread
    def log_other(index):
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")
        return call_logged(users, plant, caller_number=f"02 1234 56{index:02d}").pk

    with ThreadPoolExecutor(5) as pool:
        holder = pool.submit(hold)
        assert locked.wait(timeout=10)
        created = list(pool.map(log_other, range(4)))
        release.set()
        holder.result()
    assert len(created) == 4
    assert not history_verify().problems
