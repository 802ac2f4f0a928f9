"""The history partitioned by month on PostgreSQL (migration 0029, docs/adr/0003-history-partitioning.md):
months created ahead, a chain that crosses a month still verifies and still tells a rewrite, the
partitions refuse UPDATE and DELETE, and a chain's seq stays unique across partitions."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from dispatch import services
from dispatch.history import event_record
from dispatch.models import Call, Event
from dispatch.partitions import (
    DEFAULT_PARTITION,
    history_partition_list,
    history_partitioned,
    month_next,
    month_start,
    partition_name,
)
from dispatch.selectors import history_verify

from .helpers import call_logged, history_tamper

UTC = dt.UTC


def _raw(sql, params=()):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else None


def _partition_of(event_id: int) -> str:
    return _raw("SELECT tableoid::regclass::text FROM dispatch_event WHERE id = %s", [event_id])[0][0]


def _append_at(monkeypatch, call: Call, at: dt.datetime) -> Event:
    """Append an event to ``call``'s chain through the real service path, at ``at``."""
    with monkeypatch.context() as patched, transaction.atomic():
        patched.setattr(timezone, "now", lambda: at)
        locked = Call.objects.select_for_update().get(pk=call.pk)
        return event_record(subject=locked, kind="call.note", actor=None, data={"at": at.isoformat()})


def test_elsewhere_the_history_is_one_plain_table(db):
    if connection.vendor == "postgresql":
        pytest.skip("on PostgreSQL the history is partitioned (the tests below)")
    assert history_partitioned() is False
    assert services.history_partitions_ensure(months_ahead=3) == []
    out = StringIO()
    call_command("history_partitions", "--ensure", stdout=out)
    assert "not partitioned" in out.getvalue()


@pytest.mark.postgres
def test_the_months_ahead_are_created_once_and_listed(db):
    now = dt.datetime(2031, 1, 15, 12, tzinfo=UTC)
    created = services.history_partitions_ensure(months_ahead=2, now=now)
    assert created == ["dispatch_event_p203101", "dispatch_event_p203102", "dispatch_event_p203103"]
    # Run again (the beat task every day): nothing more.
    assert services.history_partitions_ensure(months_ahead=2, now=now) == []
    listed = {p.name: p for p in history_partition_list()}
    assert listed["dispatch_event_p203102"].start == dt.datetime(2031, 2, 1, tzinfo=UTC)
    assert listed["dispatch_event_p203102"].end == dt.datetime(2031, 3, 1, tzinfo=UTC)
    assert listed[DEFAULT_PARTITION].is_default
    # The migration made the current month and the months ahead of it.
    this_month = timezone.now().astimezone(UTC)
    assert f"dispatch_event_p{this_month:%Y%m}" in listed
    out = StringIO()
    call_command("history_partitions", stdout=out)
    assert "dispatch_event_p203103\t2031-03-01 .. 2031-04-01 UTC" in out.getvalue()


@pytest.mark.postgres
def test_a_chain_across_a_month_boundary_verifies_and_still_tells_a_rewrite(db, users, plant, monkeypatch):
    services.history_partitions_ensure(months_ahead=1, now=dt.datetime(2030, 1, 10, tzinfo=UTC))
    call = call_logged(users, plant)
    last_of_january = _append_at(monkeypatch, call, dt.datetime(2030, 1, 31, 23, 59, 59, 500000, tzinfo=UTC))
    first_of_february = _append_at(monkeypatch, call, dt.datetime(2030, 2, 1, 0, 0, 0, 500000, tzinfo=UTC))
    assert (last_of_january.seq, first_of_february.seq) == (2, 3)
    assert _partition_of(last_of_january.pk) == "dispatch_event_p203001"
    assert _partition_of(first_of_february.pk) == "dispatch_event_p203002"
    # The chain reads across partitions in order, as the pages read it.
    chain = list(Event.objects.filter(call=call).order_by("seq").values_list("seq", "prev_hash", "hash"))
    assert [seq for seq, _, _ in chain] == [1, 2, 3]
    assert chain[2][1] == chain[1][2]
    result = history_verify()
    assert result.problems == []
    out = StringIO()
    call_command("verify_history", stdout=out)
    assert "History intact" in out.getvalue()

    history_tamper(
        "UPDATE dispatch_event SET actor_label = 'someone_else' WHERE id = %s", [first_of_february.pk]
    )
    problems = history_verify().problems
    assert [(p.event_id, p.reason) for p in problems] == [
        (first_of_february.pk, "content altered: digest does not match")
    ]


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE dispatch_event_p203001 SET kind = 'forged' WHERE id = %s",
        "DELETE FROM dispatch_event_p203001 WHERE id = %s",
        "UPDATE dispatch_event SET kind = 'forged' WHERE id = %s",
        "DELETE FROM dispatch_event WHERE id = %s",
    ],
)
def test_a_partition_refuses_update_and_delete(db, users, plant, monkeypatch, sql):
    services.history_partitions_ensure(months_ahead=0, now=dt.datetime(2030, 1, 10, tzinfo=UTC))
    call = call_logged(users, plant)
    event = _append_at(monkeypatch, call, dt.datetime(2030, 1, 20, tzinfo=UTC))
    assert _partition_of(event.pk) == "dispatch_event_p203001"
    with pytest.raises(DatabaseError, match="append-only"):
        _raw(sql, [event.pk])
    assert Event.objects.get(pk=event.pk).kind == "call.note"


@pytest.mark.postgres
def test_a_chain_seq_stays_unique_across_months(db, users, plant, monkeypatch):
    """The unique key must hold the month now, so it no longer says it; the chain trigger does:
    a second seq 2 in another month, or a gap, is refused whichever way the row comes."""
    services.history_partitions_ensure(months_ahead=1, now=dt.datetime(2030, 1, 10, tzinfo=UTC))
    call = call_logged(users, plant)
    second = _append_at(monkeypatch, call, dt.datetime(2030, 1, 20, tzinfo=UTC))
    copy = (
        "INSERT INTO dispatch_event (subject_type, subject_id, seq, occurred_at, actor_label, kind, data, "
        "prev_hash, hash, call_id) SELECT subject_type, subject_id, %s, %s, actor_label, kind, data, "
        "prev_hash, hash, call_id FROM dispatch_event WHERE id = %s"
    )
    for seq in (second.seq, second.seq + 2):
        with pytest.raises(IntegrityError, match="not the next of its chain"):
            _raw(copy, [seq, dt.datetime(2030, 2, 5, tzinfo=UTC), second.pk])
    assert list(Event.objects.filter(call=call).values_list("seq", flat=True).order_by("seq")) == [1, 2]


@pytest.mark.postgres
def test_an_event_of_a_month_without_partition_is_kept_and_its_month_left_for_the_owner(
    db, users, plant, monkeypatch
):
    """Recording a call never fails for want of a partition (the default one takes the row); the
    task then leaves that month alone, since PostgreSQL cannot create it over those rows."""
    call = call_logged(users, plant)
    stranded = _append_at(monkeypatch, call, dt.datetime(2040, 5, 10, tzinfo=UTC))
    assert _partition_of(stranded.pk) == DEFAULT_PARTITION
    assert services.history_partitions_ensure(months_ahead=1, now=dt.datetime(2040, 5, 1, tzinfo=UTC)) == [
        "dispatch_event_p204006"
    ]
    assert history_verify().problems == []


@pytest.mark.postgres
def test_the_beat_task_run_twice_creates_each_month_once(db, settings):
    from dispatch.tasks import history_partitions_ensure

    assert (
        settings.CELERY_BEAT_SCHEDULE["history-partitions"]["task"]
        == "dispatch.tasks.history_partitions_ensure"
    )
    # The migration made three months ahead; asked for five, the task adds the fourth and fifth.
    settings.PRONTO_HISTORY_PARTITION_MONTHS_AHEAD = 5
    month, wanted = month_start(timezone.now()), []
    for _ in range(6):
        wanted.append(partition_name(month))
        month = month_next(month)
    missing = [name for name in wanted if name not in {p.name for p in history_partition_list()}]
    assert len(missing) >= 2
    first = history_partitions_ensure()
    assert first == missing
    assert history_partitions_ensure() == []
    names = [p.name for p in history_partition_list()]
    assert all(names.count(name) == 1 for name in first)
