"""The updates' outbox rows (incidents.broadcast): who gets what, once each, spaced at the SMS
rate; the drain that hands them to the gateway at that rate; the sweeper leaves them to it."""

import threading
from datetime import timedelta

import pytest
from django.utils import timezone

from dispatch.models import Contact
from incidents import broadcast
from incidents.models import IncidentDelivery, IncidentUpdate
from incidents.services import (
    call_attach,
    incident_resolve,
    incident_update,
    subscriber_add,
    subscriber_remove,
)
from notifications.choices import NotificationReason
from notifications.models import Notification
from notifications.services import notifications_sweep

A, B, C = "+393331000001", "+393331000002", "+393331000003"


@pytest.fixture
def contacts(customer):
    return [
        Contact.objects.create(customer=customer, name="Control room", email="control@utility.example"),
        Contact.objects.create(customer=customer, name="No email", phone_number="+390200000000"),
    ]


@pytest.fixture
def incident(declare, network, users, log_call, contacts):
    incident = declare()
    operator = users["operator"]
    # A calls twice (both calls subscribed), B once, C subscribes and leaves, D never subscribes.
    for plant, number in (("B1", A), ("L1", A), ("B3", B), ("L2", C)):
        call = log_call(network[plant], number=number)
        call_attach(actor=operator, incident=incident, call=call, subscribe=True)
    call_attach(actor=operator, incident=incident, call=log_call(network["B1"], number="+393331000009"))
    subscriber_remove(actor=operator, subscriber=incident.subscribers.get(number=C))
    return incident


def sms_to(number):
    return list(Notification.objects.filter(channel="sms", recipient=number).order_by("pk"))


def test_each_update_reaches_each_subscriber_once_and_the_contacts_by_email(incident, users, settings):
    settings.PRONTO_INCIDENT_SMS_RATE_PER_SECOND = 1000
    supervisor = users["supervisor"]
    incident_update(actor=supervisor, incident=incident, public_text="Crews on site.")
    incident_update(
        actor=supervisor,
        incident=incident,
        public_text="Valve replaced.",
        eta=timezone.now() + timedelta(hours=2),
    )
    incident_resolve(actor=supervisor, incident=incident, public_text="Supply restored.")

    assert len(sms_to(A)) == 3 and len(sms_to(B)) == 3
    assert sms_to(C) == [] and sms_to("+393331000009") == []
    assert [row.body for row in sms_to(A)] == [
        "Customer One: Crews on site.",
        sms_to(A)[1].body,
        "Customer One: Supply restored.",
    ]
    assert "Valve replaced. Expected back by " in sms_to(A)[1].body
    emails = Notification.objects.filter(channel="email").order_by("pk")
    # The declaration too, to the contact with an address only.
    assert [row.recipient for row in emails] == ["control@utility.example"] * 4
    assert all(row.reason == NotificationReason.INCIDENT_UPDATE for row in Notification.objects.all())
    assert f"/status/{incident.public_token}/" in emails[0].body
    assert "Cabin CAB down" in emails[0].subject
    declared = IncidentUpdate.objects.get(incident=incident, position=1)
    assert not IncidentDelivery.objects.filter(update=declared, subscriber__isnull=False).exists()
    keys = {row.idempotency_key for row in sms_to(A)}
    subscriber = incident.subscribers.get(number=A)
    assert keys == {
        f"inc:{u}:s{subscriber.pk}"
        for u in incident.updates.filter(position__gt=1).values_list("pk", flat=True)
    }


def test_broadcasting_again_writes_only_the_recipients_an_update_does_not_have(incident, users, settings):
    settings.PRONTO_INCIDENT_SMS_RATE_PER_SECOND = 1000
    update = incident_update(actor=users["supervisor"], incident=incident, public_text="Crews on site.")
    before = Notification.objects.count()

    assert broadcast.update_broadcast(update=update) == 0
    assert Notification.objects.count() == before

    subscriber_add(actor=users["operator"], incident=incident, number="+393331000004")
    assert broadcast.update_broadcast(update=update) == 1
    assert len(sms_to("+393331000004")) == 1 and len(sms_to(A)) == 1


def test_sms_rows_are_spaced_at_the_rate_and_a_second_update_queues_behind_the_first(
    incident, users, settings
):
    settings.PRONTO_INCIDENT_SMS_RATE_PER_SECOND = 2
    supervisor = users["supervisor"]
    first = incident_update(actor=supervisor, incident=incident, public_text="One.")
    second = incident_update(actor=supervisor, incident=incident, public_text="Two.")

    times = list(
        Notification.objects.filter(channel="sms", incident_delivery__update__in=[first, second])
        .order_by("next_attempt_at")
        .values_list("incident_delivery__update_id", "next_attempt_at")
    )
    assert [update for update, _at in times] == [first.pk, first.pk, second.pk, second.pk]
    gaps = [(b - a).total_seconds() for (_u, a), (_v, b) in zip(times, times[1:], strict=False)]
    assert gaps == pytest.approx([0.5, 0.5, 0.5], abs=0.01)


def test_the_drain_sends_each_row_when_due_and_a_second_drain_sends_nothing(
    incident, users, settings, fake_gateway
):
    settings.PRONTO_INCIDENT_SMS_RATE_PER_SECOND = 4
    update = incident_update(actor=users["supervisor"], incident=incident, public_text="Crews on site.")
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        Notification.objects.update(next_attempt_at=timezone.now())  # time passes

    result = broadcast.update_deliver(update_id=update.pk, sleep=sleep)

    sms = [m for m in fake_gateway.sent if m.channel == "sms"]
    assert sorted(m.recipient for m in sms) == [A, B] and result == {"handed": 2, "left": 0}
    assert broadcast.update_deliver(update_id=update.pk, sleep=sleep) == {"handed": 0, "left": 0}
    assert len([m for m in fake_gateway.sent if m.channel == "sms"]) == 2


def test_the_drain_stops_within_its_budget_and_queues_itself_for_the_rest(
    incident, users, settings, fake_gateway, monkeypatch
):
    settings.PRONTO_INCIDENT_SMS_RATE_PER_SECOND = 0.1  # one every 10 s
    update = incident_update(actor=users["supervisor"], incident=incident, public_text="Crews on site.")
    queued = []
    monkeypatch.setattr(
        broadcast, "task_send", lambda name, *args, **options: queued.append((name, args, options))
    )

    result = broadcast.update_deliver(update_id=update.pk, budget_seconds=5, sleep=lambda s: None)

    assert result == {"handed": 1, "left": 1}
    [(name, args, options)] = queued
    assert name == "incidents.tasks.update_deliver" and args == (update.pk,)
    assert 9 < options["countdown"] <= 10


def test_a_late_drain_moves_the_waiting_rows_later_instead_of_bunching_them(
    incident, users, settings, fake_gateway
):
    settings.PRONTO_INCIDENT_SMS_RATE_PER_SECOND = 1
    update = incident_update(actor=users["supervisor"], incident=incident, public_text="Crews on site.")
    # The gateway was slow: the drain is 60 s behind schedule.
    Notification.objects.filter(channel="sms").update(next_attempt_at=timezone.now() - timedelta(seconds=60))
    rows = Notification.objects.filter(channel="sms").order_by("pk")
    Notification.objects.filter(pk=rows[1].pk).update(next_attempt_at=timezone.now() - timedelta(seconds=59))

    broadcast.update_deliver(update_id=update.pk, budget_seconds=0.5, sleep=lambda s: None)

    waiting = Notification.objects.filter(channel="sms", status="pending")
    assert all(row.next_attempt_at > timezone.now() - timedelta(seconds=2) for row in waiting)


def test_the_sweeper_leaves_rows_scheduled_later_to_the_drain_but_takes_them_when_it_is_lost(
    incident, users, settings, fake_gateway
):
    settings.PRONTO_INCIDENT_SMS_RATE_PER_SECOND = 0.01  # the second one 100 s from now
    update = incident_update(actor=users["supervisor"], incident=incident, public_text="Crews on site.")
    later = Notification.objects.filter(channel="sms").order_by("next_attempt_at").last()

    notifications_sweep()
    assert Notification.objects.get(pk=later.pk).status == "pending"
    assert later.recipient not in [m.recipient for m in fake_gateway.sent]

    # No drain ran and the time has long passed: the sweeper sends it, once.
    notifications_sweep(now=later.next_attempt_at + timedelta(minutes=5))
    Notification.objects.filter(pk=later.pk).update(next_attempt_at=timezone.now() - timedelta(minutes=5))
    notifications_sweep()
    assert Notification.objects.get(pk=later.pk).status == "sent"
    broadcast.update_deliver(update_id=update.pk, sleep=lambda s: None)
    assert [m.recipient for m in fake_gateway.sent].count(later.recipient) == 1


def test_the_broadcast_queues_one_drain_and_the_emails_after_commit(
    incident, users, settings, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr("dispatch.queue.task_send", lambda name, *args, **options: sent.append((name, args)))
    with django_capture_on_commit_callbacks(execute=True):
        update = incident_update(actor=users["supervisor"], incident=incident, public_text="Crews on site.")
    names = [name for name, _args in sent]
    assert names.count("incidents.tasks.update_deliver") == 1
    assert names.count("notifications.tasks.notification_send") == 1
    assert ("incidents.tasks.update_deliver", (update.pk,)) in sent


def test_ten_thousand_rows_are_written_in_one_go(declare, users, settings, django_assert_max_num_queries):
    from incidents.models import IncidentSubscriber

    incident = declare()
    now = timezone.now()
    IncidentSubscriber.objects.bulk_create(
        IncidentSubscriber(incident=incident, number=f"+39333{n:07d}", subscribed_at=now)
        for n in range(10_000)
    )
    update = IncidentUpdate.objects.create(
        incident=incident, position=2, kind="message", public_text="x", at=now
    )
    # A handful of multi-row statements (SQLite: 30,000 parameters each), never one per row.
    with django_assert_max_num_queries(20):
        assert broadcast.update_broadcast(update=update) == 10_000
    assert IncidentDelivery.objects.filter(update=update).count() == 10_000


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_the_drain_calls_the_gateway_in_parallel_and_sends_each_row_once(
    declare, network, users, log_call, settings, fake_gateway, monkeypatch
):
    settings.PRONTO_INCIDENT_SMS_RATE_PER_SECOND = 1000
    settings.PRONTO_INCIDENT_SMS_PARALLEL = 4
    incident = declare()
    numbers = [f"+3933320000{n:02d}" for n in range(40)]
    for number in numbers:
        call_attach(
            actor=users["operator"],
            incident=incident,
            call=log_call(network["B1"], number=number),
            subscribe=True,
        )
    threads = set()
    real_deliver = broadcast.notification_deliver

    def deliver(*, notification_id):
        threads.add(threading.current_thread().name)
        return real_deliver(notification_id=notification_id)

    monkeypatch.setattr(broadcast, "notification_deliver", deliver)
    assert broadcast._parallel() == 4

    # Committed, the update queues its drain (run at once here: the tests' Celery is eager).
    update = incident_update(actor=users["supervisor"], incident=incident, public_text="Crews on site.")

    sms = sorted(m.recipient for m in fake_gateway.sent if m.channel == "sms")
    assert sms == sorted(numbers)
    assert broadcast.update_deliver(update_id=update.pk) == {"handed": 0, "left": 0}
    assert all(name.startswith("incident-sms") for name in threads) and len(threads) > 1
    assert not Notification.objects.filter(channel="sms", status="pending").exists()
