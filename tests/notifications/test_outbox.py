"""The outbox with a scripted gateway: rows written with the assignment, delivered after commit,
retried, recovered, escalated; every step in the intervention's history."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from dispatch import services as dispatch_services
from dispatch.choices import DocumentKind
from dispatch.models import Event, PlantDocument
from notifications import services
from notifications.models import Notification, NotificationAttempt
from notifications.services.delivery import _claim
from notifications.tasks import notification_send
from tests.dispatch.helpers import call_logged

pytestmark = pytest.mark.django_db


def kinds(intervention):
    return list(
        Event.objects.filter(intervention=intervention).order_by("seq").values_list("kind", flat=True)
    )


@pytest.fixture
def intervention(users, plant):
    call = call_logged(users, plant)
    return dispatch_services.intervention_open(
        actor=users["operator"], call=call, summary="Gas smell at the cabin"
    )


def assign(users, intervention, who="technician"):
    return dispatch_services.intervention_assign(
        actor=users["operator"], intervention=intervention, technician=users[who]
    )


def assign_and_deliver(users, intervention, django_capture_on_commit_callbacks, who="technician"):
    with django_capture_on_commit_callbacks(execute=True):
        return assign(users, intervention, who)


def test_assignment_writes_one_row_per_channel_in_the_same_transaction(
    reachable, intervention, fake_gateway, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assign(reachable, intervention)
        rows = list(Notification.objects.filter(intervention=intervention).order_by("id"))
        assert [(r.channel, r.recipient, r.status) for r in rows] == [
            ("sms", "+393331234567", "pending"),
            ("email", "tech@example.net", "pending"),
            ("fax", "+390298765432", "pending"),
        ]
        # Nothing leaves before the commit.
        assert fake_gateway.sent == []
    assert len(callbacks) == 1
    assert "notification.queued" in kinds(intervention)


def test_an_assignment_rolled_back_leaves_no_notification(reachable, intervention, fake_gateway):
    with pytest.raises(RuntimeError), transaction.atomic():
        assign(reachable, intervention)
        raise RuntimeError("the request failed later")
    assert not Notification.objects.exists()


def test_after_commit_each_row_is_sent_once_and_the_history_shows_it(
    reachable, intervention, fake_gateway, django_capture_on_commit_callbacks
):
    assign_and_deliver(reachable, intervention, django_capture_on_commit_callbacks)
    rows = list(Notification.objects.filter(intervention=intervention).order_by("id"))
    assert [r.status for r in rows] == ["sent", "sent", "sent"]
    assert len(fake_gateway.sent) == 3
    sms = fake_gateway.sent[0]
    assert sms.channel == "sms" and f"/interventions/{intervention.pk}/" in sms.body
    assert f"OK {intervention.pk}" in sms.body and len(sms.body) <= 3 * 153
    assert "/status/?token=" in sms.status_url
    # Run again (a duplicate task, the sweeper): nothing is sent twice.
    for row in rows:
        notification_send(row.pk)
    assert len(fake_gateway.sent) == 3
    assert kinds(intervention).count("notification.sent") == 3
    assert NotificationAttempt.objects.filter(notification__in=rows, outcome="accepted").count() == 3


def test_the_fax_is_rendered_once_archived_on_the_plant_and_attached(
    reachable, intervention, fake_gateway, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    assign_and_deliver(reachable, intervention, django_capture_on_commit_callbacks)
    fax = next(m for m in fake_gateway.sent if m.channel == "fax")
    assert [a.content_type for a in fax.attachments] == ["application/pdf", "image/tiff"]
    assert fax.attachments[0].content.startswith(b"%PDF")
    assert fax.attachments[1].content.startswith(b"II*\x00")
    archived = PlantDocument.objects.get(plant=intervention.plant, kind=DocumentKind.FAX)
    assert archived.intervention == intervention and "+390298765432" in archived.title


def test_email_carries_the_plant_documents_marked_for_assignments(
    reachable, intervention, fake_gateway, django_capture_on_commit_callbacks, settings, tmp_path
):
    from django.core.files.base import ContentFile

    settings.MEDIA_ROOT = tmp_path
    marked = PlantDocument(plant=intervention.plant, title="Cabin drawing", attach_to_assignments=True)
    marked.file.save("drawing.pdf", ContentFile(b"%PDF-1.4 drawing"), save=True)
    unmarked = PlantDocument(plant=intervention.plant, title="Old contract")
    unmarked.file.save("contract.pdf", ContentFile(b"%PDF-1.4 contract"), save=True)
    assign_and_deliver(reachable, intervention, django_capture_on_commit_callbacks)
    email = next(m for m in fake_gateway.sent if m.channel == "email")
    assert [(a.filename, a.content) for a in email.attachments] == [("drawing.pdf", b"%PDF-1.4 drawing")]


def test_gateway_down_then_back_sends_everything_once(
    reachable, intervention, fake_gateway, django_capture_on_commit_callbacks, settings
):
    # The notifications' sweep no longer escalates: the escalation chains do (tests/escalations).
    fake_gateway.script = ["down", "down", "down"]
    assign_and_deliver(reachable, intervention, django_capture_on_commit_callbacks)
    rows = list(Notification.objects.filter(intervention=intervention))
    assert {r.status for r in rows} == {"pending"} and {r.attempts for r in rows} == {1}
    assert all(r.next_attempt_at > timezone.now() + timedelta(seconds=20) for r in rows)
    assert kinds(intervention).count("notification.retry") == 3
    # Not due yet: a premature task does nothing.
    notification_send(rows[0].pk)
    assert fake_gateway.sent == []
    # The gateway is back and the retries' tasks were lost (a broker restart): the rows are due
    # since a while, and the sweeper sends them again.
    long_due = timezone.now() - timedelta(seconds=2 * settings.PRONTO_NOTIFICATION_SWEEP_SECONDS)
    Notification.objects.filter(intervention=intervention).update(next_attempt_at=long_due)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notifications_sweep()["resent"] == 3
        # And a late duplicate of every task changes nothing.
        for row in rows:
            notification_send(row.pk)
    assert sorted(r.status for r in Notification.objects.filter(intervention=intervention)) == ["sent"] * 3
    assert len(fake_gateway.sent) == 3
    assert sorted(m.idempotency_key for m in fake_gateway.sent) == sorted(r.idempotency_key for r in rows)


def test_backoff_doubles_and_is_capped(settings):
    settings.PRONTO_NOTIFICATION_RETRY_BASE_SECONDS = 30
    settings.PRONTO_NOTIFICATION_RETRY_MAX_SECONDS = 600
    assert [services.retry_delay(n).total_seconds() for n in (1, 2, 3, 4, 5, 6)] == [
        30,
        60,
        120,
        240,
        480,
        600,
    ]


def test_a_rejected_number_fails_with_the_reason_and_warns_the_supervisor(
    reachable, intervention, fake_gateway, django_capture_on_commit_callbacks
):
    fake_gateway.script = ["reject"]
    assign_and_deliver(reachable, intervention, django_capture_on_commit_callbacks)
    sms = Notification.objects.get(intervention=intervention, channel="sms", reason="assigned")
    assert sms.status == "failed" and sms.last_error == "Invalid receiver" and sms.attempts == 1
    warning = Notification.objects.get(reason="supervisor_warning")
    assert warning.recipient == "boss@example.net" and "Invalid receiver" in warning.body
    assert warning.status == "sent"
    assert {"notification.failed", "notification.supervisor_warned"} <= set(kinds(intervention))


def test_out_of_attempts_fails(
    reachable, intervention, fake_gateway, django_capture_on_commit_callbacks, settings
):
    settings.PRONTO_NOTIFICATION_MAX_ATTEMPTS = 2
    fake_gateway.script = ["down", "ok", "ok", "down"]
    assign_and_deliver(reachable, intervention, django_capture_on_commit_callbacks)
    sms = Notification.objects.get(intervention=intervention, channel="sms", reason="assigned")
    Notification.objects.filter(pk=sms.pk).update(next_attempt_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(sms.pk)
    sms.refresh_from_db()
    assert sms.status == "failed" and sms.attempts == 2


@pytest.mark.parametrize("gateway_took_it", [True, False])
def test_a_worker_that_died_mid_call_is_recovered_without_a_second_send(
    reachable, intervention, fake_gateway, django_capture_on_commit_callbacks, settings, gateway_took_it
):
    with django_capture_on_commit_callbacks(execute=False):
        assign(reachable, intervention)
    sms = Notification.objects.get(intervention=intervention, channel="sms")
    claimed, _attempt = _claim(sms.pk, timezone.now())
    if gateway_took_it:
        # The gateway took the message, then the worker died before recording it.
        fake_gateway.taken[claimed.idempotency_key] = "gw-before-crash"
    later = timezone.now() + timedelta(seconds=settings.PRONTO_NOTIFICATION_STUCK_SECONDS + 1)
    with django_capture_on_commit_callbacks(execute=True):
        services.notifications_sweep(now=later)
    sms.refresh_from_db()
    if gateway_took_it:
        assert sms.status == "sent" and sms.gateway_id == "gw-before-crash"
        assert [m for m in fake_gateway.sent if m.channel == "sms"] == []
    else:
        assert sms.status == "sent" and sms.attempts == 2
        assert len([m for m in fake_gateway.sent if m.channel == "sms"]) == 1
    assert "notification.recovered" in kinds(intervention)


def test_reassignment_tells_the_previous_technician_and_cancels_what_had_not_left(
    reachable, intervention, fake_gateway, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        assign(reachable, intervention)
    with django_capture_on_commit_callbacks(execute=True):
        assign(reachable, intervention, who="technician2")
    first_round = Notification.objects.filter(
        intervention=intervention, recipient_user=reachable["technician"]
    )
    # Taken away on every channel the assignment went out on: the one they read may not be SMS.
    assert sorted(first_round.values_list("reason", "channel", "status")) == [
        ("assigned", "email", "cancelled"),
        ("assigned", "fax", "cancelled"),
        ("assigned", "sms", "cancelled"),
        ("reassigned_away", "email", "sent"),
        ("reassigned_away", "fax", "sent"),
        ("reassigned_away", "sms", "sent"),
    ]
    new = Notification.objects.get(intervention=intervention, recipient_user=reachable["technician2"])
    assert new.reason == "assigned" and new.status == "sent"


def test_cancelling_tells_the_technician(
    reachable, intervention, fake_gateway, django_capture_on_commit_callbacks
):
    assign_and_deliver(reachable, intervention, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_services.intervention_cancel(
            actor=reachable["supervisor"], intervention=intervention, reason="dup"
        )
    # On every channel the technician has, like the assignment: a technician who read the
    # assignment by email (or at the depot's fax) must not drive to a cancelled job.
    cancelled = Notification.objects.filter(intervention=intervention, reason="cancelled").order_by("id")
    assert [(n.channel, n.status) for n in cancelled] == [("sms", "sent"), ("email", "sent"), ("fax", "sent")]
    assert all("CANCEL" in n.body.upper() for n in cancelled)


def test_no_acknowledgement_resends_on_the_next_channel_through_the_shipped_chain(
    reachable, intervention, fake_gateway, django_capture_on_commit_callbacks
):
    """Today's rule, now the shipped escalation chain of the case's priority: after the
    priority's time the summary goes again on the technician's next channel."""
    from escalations.services import escalations_sweep

    assign_and_deliver(reachable, intervention, django_capture_on_commit_callbacks)
    intervention.refresh_from_db()
    timeout = timedelta(minutes={1: 5, 2: 10, 3: 20, 4: 60}[intervention.priority])
    escalations_sweep(now=intervention.assigned_at)
    escalations_sweep(now=intervention.assigned_at + timeout - timedelta(seconds=1))
    assert not Notification.objects.filter(intervention=intervention, reason="escalated").exists()
    with django_capture_on_commit_callbacks(execute=True):
        escalations_sweep(now=intervention.assigned_at + timeout)
        escalations_sweep(now=intervention.assigned_at + timeout)  # the same instant again: nothing more
    escalated = Notification.objects.get(intervention=intervention, reason="escalated")
    assert escalated.channel == "email" and escalated.escalation_step == 2
    # Due at the sweep's time (simulated here, ahead of the clock): then it goes out.
    assert escalated.next_attempt_at == intervention.assigned_at + timeout
    Notification.objects.filter(pk=escalated.pk).update(next_attempt_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(escalated.pk)
    escalated.refresh_from_db()
    assert escalated.status == "sent" and fake_gateway.sent[-1].recipient == "tech@example.net"
    assert "escalation.step" in kinds(intervention)
    dispatch_services.intervention_acknowledge(actor=reachable["technician"], intervention=intervention)
    escalations_sweep(now=intervention.assigned_at + 10 * timeout)
    assert (
        Notification.objects.filter(
            intervention=intervention, reason__in=["escalated", "supervisor_warning"]
        ).count()
        == 1
    )


def test_the_embedded_outbox_stores_what_would_be_sent(
    reachable, intervention, django_capture_on_commit_callbacks, settings, tmp_path
):
    from notifications.models import OutboxMessage

    settings.MEDIA_ROOT = tmp_path
    assign_and_deliver(reachable, intervention, django_capture_on_commit_callbacks)
    assert sorted(OutboxMessage.objects.values_list("channel", flat=True)) == ["email", "fax", "sms"]
    statuses = set(Notification.objects.filter(intervention=intervention).values_list("status", flat=True))
    assert statuses == {"delivered"}
    fax = OutboxMessage.objects.get(channel="fax")
    assert fax.attachments[0]["content_type"] == "application/pdf"
