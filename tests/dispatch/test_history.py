"""The history cannot be deleted or rewritten, and a rewrite done anyway is detected."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from dispatch import services
from dispatch.choices import InterventionStatus as S
from dispatch.history import event_digest_of
from dispatch.models import Call, Event, HistoryImmutableError, Intervention
from dispatch.personal import personal_resolve
from dispatch.selectors import history_verify

from .helpers import FLOW_EVENT_KINDS, call_logged, history_tamper, intervention_in


@pytest.fixture
def history(users, plant):
    received = timezone.now() - timedelta(minutes=10)
    call = call_logged(users, plant, received_at=received, ended_at=received + timedelta(seconds=120))
    intervention = intervention_in(S.CLOSED, users=users, plant=plant, call=call)
    return call, intervention


def test_every_step_leaves_a_chained_event(history):
    call, intervention = history
    events = list(Event.objects.filter(intervention=intervention).order_by("seq"))
    assert [e.kind for e in events] == FLOW_EVENT_KINDS
    assert [e.seq for e in events] == list(range(1, len(FLOW_EVENT_KINDS) + 1))
    for previous, event in zip([None, *events], events, strict=False):
        assert event.prev_hash == (previous.hash if previous else "")
        assert event.hash == event_digest_of(event)
    assert events[1].data["after"]["technician"] == "technician"


def test_orm_refuses_to_delete_or_rewrite(history):
    call, intervention = history
    event = Event.objects.filter(call=call).first()
    refusals = [
        event.delete,
        Event.objects.all().delete,
        lambda: Event.objects.filter(pk=event.pk).update(kind="forged"),
        call.delete,
        Call.objects.all().delete,
        lambda: Call.objects.filter(pk=call.pk).update(notes="forged"),
        intervention.delete,
        Intervention.objects.all().delete,
        lambda: Intervention.objects.filter(pk=intervention.pk).update(status="open"),
    ]
    for refuse in refusals:
        with pytest.raises(HistoryImmutableError):
            refuse()
    event.kind = "forged"
    with pytest.raises(HistoryImmutableError):
        event.save()
    call.received_at -= timedelta(hours=1)
    with pytest.raises(HistoryImmutableError):
        call.save()
    assert Event.objects.filter(kind="forged").count() == 0
    assert Call.objects.count() == 1 and Intervention.objects.count() == 1


def _raw(sql, params=()):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE dispatch_event SET kind = 'forged' WHERE id = %s",
        "DELETE FROM dispatch_event WHERE id = %s",
    ],
)
def test_postgres_trigger_refuses_raw_update_and_delete_of_events(history, sql):
    event = Event.objects.first()
    with pytest.raises(DatabaseError, match="append-only"):
        _raw(sql, [event.pk])
    assert Event.objects.get(pk=event.pk).kind == event.kind


@pytest.mark.postgres
def test_postgres_trigger_guards_calls_and_interventions(history):
    call, intervention = history
    for sql, params in [
        ("DELETE FROM dispatch_call WHERE id = %s", [call.pk]),
        ("UPDATE dispatch_call SET received_at = received_at - interval '1 hour' WHERE id = %s", [call.pk]),
        ("UPDATE dispatch_call SET caller_number = '+390200000000' WHERE id = %s", [call.pk]),
        ("DELETE FROM dispatch_intervention WHERE id = %s", [intervention.pk]),
    ]:
        with pytest.raises(DatabaseError, match="pronto"):
            _raw(sql, params)
    # Completing an ended call's notes stays possible (it is not a recorded field).
    _raw("UPDATE dispatch_call SET notes = 'completed later' WHERE id = %s", [call.pk])
    assert Call.objects.get(pk=call.pk).caller_number == call.caller_number


def test_verify_history_passes_on_an_intact_history(history):
    out = StringIO()
    call_command("verify_history", stdout=out)
    assert f"History intact: {1 + len(FLOW_EVENT_KINDS)} events in 2 chains" in out.getvalue()


def test_verify_history_reports_the_first_edited_row(history):
    call, intervention = history
    events = list(Event.objects.filter(intervention=intervention).order_by("seq"))
    edited, later = events[2], events[4]
    history_tamper("UPDATE dispatch_event SET actor_label = 'someone_else' WHERE id = %s", [later.pk])
    history_tamper(
        "UPDATE dispatch_event SET data = %s WHERE id = %s", ['{"before": {}, "after": {}}', edited.pk]
    )
    result = history_verify()
    assert {p.event_id for p in result.problems} == {edited.pk, later.pk}
    assert result.first_problem.event_id == edited.pk
    assert result.first_problem.reason.startswith("content altered")
    err = StringIO()
    with pytest.raises(
        CommandError, match=rf"first: event id {edited.pk}, intervention:{intervention.pk} seq 3"
    ):
        call_command("verify_history", stderr=err)


def test_verify_history_detects_a_removed_row_and_a_relinked_chain(history):
    call, intervention = history
    events = list(Event.objects.filter(intervention=intervention).order_by("seq"))
    history_tamper("DELETE FROM dispatch_event WHERE id = %s", [events[3].pk])
    reasons = {p.reason.split(":")[0] for p in history_verify().problems if p.event_id == events[4].pk}
    assert reasons == {"sequence gap", "link broken"}


def test_verify_history_detects_a_call_without_history(history, users, plant):
    call, _ = history
    history_tamper("DELETE FROM dispatch_event WHERE call_id = %s", [call.pk])
    problems = history_verify().problems
    assert [(p.subject, p.reason) for p in problems] == [(f"call:{call.pk}", "no history chain")]


def test_corrections_are_new_events(history, users):
    call, _ = history
    services.call_update(actor=users["operator"], call=call, notes="Caller called back: false alarm")
    services.call_update(actor=users["supervisor"], call=call, notes="Caller called back: real leak")
    datas = personal_resolve(
        list(Event.objects.filter(call=call).order_by("seq").values_list("data", flat=True))
    )
    assert [data.get("before", {}).get("notes") for data in datas] == [
        None,
        "",
        "Caller called back: false alarm",
    ]
    assert not history_verify().problems
