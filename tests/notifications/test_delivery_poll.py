"""Delivery polling by the sweeper, with the scripted gateway standing in for HylaFAX: final answers
settle the row once, anything else leaves no trace, a gateway that is down is asked once per
sweep, and gateways that cannot be polled are never asked."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dispatch import services as dispatch_services
from dispatch.models import Event
from notifications import services
from notifications.backends.base import DeliveryStatus
from notifications.models import Notification

pytestmark = pytest.mark.django_db

POLLED = "tests.notifications.fakes.FakePolledGateway"
DONE = DeliveryStatus(delivered=True, detail="HylaFAX job 7: sent")
GAVE_UP = DeliveryStatus(
    delivered=False, failed_reason="Busy signal detected", detail="HylaFAX job 7: failed"
)


def kinds(intervention):
    return list(
        Event.objects.filter(intervention=intervention).order_by("seq").values_list("kind", flat=True)
    )


def polled_channels(settings, *channels):
    for channel in channels:
        settings.PRONTO_NOTIFICATION_BACKENDS[channel] = {"BACKEND": POLLED, "OPTIONS": {}}


def assigned_and_sent(users, plant, django_capture_on_commit_callbacks):
    intervention = dispatch_services.intervention_open(
        actor=users["operator"], plant=plant, summary="Gas smell at the cabin"
    )
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_services.intervention_assign(
            actor=users["operator"], intervention=intervention, technician=users["technician"]
        )
    return intervention


@pytest.fixture
def fax(reachable, plant, fake_gateway, settings, django_capture_on_commit_callbacks):
    """The fax row of an assignment, sent through a gateway that is polled for delivery."""
    polled_channels(settings, "fax")
    intervention = assigned_and_sent(reachable, plant, django_capture_on_commit_callbacks)
    row = Notification.objects.get(intervention=intervention, channel="fax")
    assert row.status == "sent" and row.gateway_id
    return row


def sweep(django_capture_on_commit_callbacks, now=None):
    with django_capture_on_commit_callbacks(execute=True):
        return services.notifications_sweep(now=now)


def test_a_delivered_fax_becomes_delivered_once(fax, fake_gateway, django_capture_on_commit_callbacks):
    fake_gateway.delivery[fax.gateway_id] = DONE

    swept = sweep(django_capture_on_commit_callbacks)
    again = sweep(django_capture_on_commit_callbacks)

    fax.refresh_from_db()
    assert fax.status == "delivered" and fax.delivered_at is not None
    assert (swept["delivery_polled"], swept["delivery_settled"]) == (1, 1)
    assert (again["delivery_polled"], again["delivery_settled"]) == (0, 0)
    assert fake_gateway.polled == [fax.gateway_id]
    assert fax.attempt_rows.filter(outcome="delivered").count() == 1
    assert kinds(fax.intervention).count("notification.delivered") == 1


def test_a_fax_the_gateway_gave_up_fails_and_warns_the_supervisor(
    fax, fake_gateway, django_capture_on_commit_callbacks
):
    fake_gateway.delivery[fax.gateway_id] = GAVE_UP

    sweep(django_capture_on_commit_callbacks)

    fax.refresh_from_db()
    assert fax.status == "failed" and fax.last_error == "Busy signal detected"
    warning = Notification.objects.get(reason="supervisor_warning")
    assert warning.recipient == "boss@example.net" and "Busy signal detected" in warning.body
    assert warning.status == "sent"
    assert {"notification.failed", "notification.supervisor_warned"} <= set(kinds(fax.intervention))


def test_a_fax_still_queued_is_left_alone_without_a_history_line(
    fax, fake_gateway, django_capture_on_commit_callbacks
):
    history = kinds(fax.intervention)
    fake_gateway.delivery[fax.gateway_id] = DeliveryStatus(detail="HylaFAX job 7: blocked")

    for _ in range(3):
        swept = sweep(django_capture_on_commit_callbacks)
        assert (swept["delivery_polled"], swept["delivery_settled"]) == (1, 0)

    fax.refresh_from_db()
    assert fax.status == "sent" and fax.delivery_checked_at is not None
    assert fake_gateway.polled == [fax.gateway_id] * 3
    assert kinds(fax.intervention) == history
    assert not fax.attempt_rows.exclude(outcome="accepted").exists()


def test_a_gateway_down_is_asked_once_per_sweep_and_other_channels_go_on(
    reachable, plant, fake_gateway, settings, django_capture_on_commit_callbacks
):
    polled_channels(settings, "sms", "fax")
    first = assigned_and_sent(reachable, plant, django_capture_on_commit_callbacks)
    second = assigned_and_sent(reachable, plant, django_capture_on_commit_callbacks)
    rows = {
        (intervention, channel): Notification.objects.get(intervention=intervention, channel=channel)
        for intervention in (first, second)
        for channel in ("sms", "fax")
    }
    fake_gateway.delivery[rows[first, "fax"].gateway_id] = "down"
    fake_gateway.delivery[rows[second, "fax"].gateway_id] = DONE
    fake_gateway.delivery[rows[second, "sms"].gateway_id] = DONE

    swept = sweep(django_capture_on_commit_callbacks)

    # Oldest first: the first fax is asked and fails; the second is not asked in this sweep,
    # while SMS rows after it still are.
    assert fake_gateway.polled == [
        rows[first, "sms"].gateway_id,
        rows[first, "fax"].gateway_id,
        rows[second, "sms"].gateway_id,
    ]
    assert (swept["delivery_polled"], swept["delivery_settled"]) == (2, 1)
    assert Notification.objects.get(pk=rows[second, "fax"].pk).status == "sent"
    assert Notification.objects.get(pk=rows[second, "sms"].pk).status == "delivered"
    # The fax rows kept their place: once the gateway is back they go first.
    assert Notification.objects.get(pk=rows[first, "fax"].pk).delivery_checked_at is None
    fake_gateway.delivery[rows[first, "fax"].gateway_id] = DONE
    fake_gateway.polled.clear()

    sweep(django_capture_on_commit_callbacks)

    assert fake_gateway.polled[:2] == [rows[first, "fax"].gateway_id, rows[second, "fax"].gateway_id]
    assert {row.status for row in Notification.objects.filter(pk__in=[r.pk for r in rows.values()])} == {
        "sent",
        "delivered",
    }
    assert Notification.objects.filter(channel="fax", status="delivered").count() == 2


def test_rows_sent_before_the_window_are_not_polled(
    fax, fake_gateway, settings, django_capture_on_commit_callbacks
):
    settings.PRONTO_DELIVERY_POLL_MAX_HOURS = 2
    fake_gateway.delivery[fax.gateway_id] = DONE
    Notification.objects.filter(pk=fax.pk).update(sent_at=timezone.now() - timedelta(hours=2, minutes=1))

    swept = sweep(django_capture_on_commit_callbacks)

    fax.refresh_from_db()
    assert fax.status == "sent" and swept["delivery_polled"] == 0
    assert fake_gateway.polled == []


def test_the_least_recently_asked_rows_go_first_within_the_batch(
    reachable, plant, fake_gateway, settings, django_capture_on_commit_callbacks
):
    polled_channels(settings, "fax")
    faxes = [
        Notification.objects.get(
            intervention=assigned_and_sent(reachable, plant, django_capture_on_commit_callbacks),
            channel="fax",
        )
        for _ in range(3)
    ]
    now = timezone.now()

    assert services.deliveries_poll(now=now, limit=2) == {"polled": 2, "settled": 0}
    assert services.deliveries_poll(now=now + timedelta(seconds=30), limit=2) == {"polled": 2, "settled": 0}

    ids = [row.gateway_id for row in faxes]
    assert fake_gateway.polled == [ids[0], ids[1], ids[2], ids[0]]


def test_gateways_that_cannot_be_polled_are_never_asked(
    reachable, plant, fake_gateway, django_capture_on_commit_callbacks
):
    # Every channel on a backend without polls_delivery (the outbox, SMTP, Kannel, email-to-fax).
    intervention = assigned_and_sent(reachable, plant, django_capture_on_commit_callbacks)
    assert set(Notification.objects.filter(intervention=intervention).values_list("status", flat=True)) == {
        "sent"
    }

    swept = sweep(django_capture_on_commit_callbacks)

    assert (swept["delivery_polled"], swept["delivery_settled"]) == (0, 0)
    assert fake_gateway.polled == []
