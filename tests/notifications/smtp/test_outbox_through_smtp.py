"""The whole path with real SMTP servers: an assignment's email (with the plant's documents) and
its fax (through the email-to-fax gateway) reach aiosmtpd; a gateway down then back loses and
doubles nothing."""

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from dispatch import services as dispatch_services
from dispatch.models import PlantDocument
from notifications.models import ContactPoint, Notification
from notifications.tasks import notification_send
from tests.dispatch.helpers import call_logged

pytestmark = [pytest.mark.real_component, pytest.mark.django_db]


@pytest.fixture
def gateways(settings, sink, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    common = {"host": sink.host, "port": sink.port, "timeout": 3.0, "from_address": "pronto@example.net"}
    settings.PRONTO_NOTIFICATION_BACKENDS = {
        "email": {"BACKEND": "notifications.backends.smtp.SmtpEmailBackend", "OPTIONS": common},
        "fax": {
            "BACKEND": "notifications.backends.fax_email.EmailFaxBackend",
            "OPTIONS": {**common, "address_template": "{number}@fax.example.net"},
        },
        "sms": {"BACKEND": "notifications.backends.outbox.OutboxBackend", "OPTIONS": {}},
    }
    return sink


def test_assignment_email_and_fax_reach_the_real_smtp_servers(
    users, plant, gateways, django_capture_on_commit_callbacks
):
    technician = users["technician"]
    ContactPoint.objects.create(user=technician, channel="email", address="tech@example.net", position=0)
    ContactPoint.objects.create(user=technician, channel="fax", address="+390298765432", position=1)
    drawing = PlantDocument(plant=plant, title="Drawing", attach_to_assignments=True)
    drawing.file.save("drawing.pdf", ContentFile(b"%PDF-1.4 drawing"), save=True)
    call = call_logged(users, plant)
    intervention = dispatch_services.intervention_open(
        actor=users["operator"], call=call, summary="Gas smell"
    )
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_services.intervention_assign(
            actor=users["operator"], intervention=intervention, technician=technician
        )
    assert gateways.wait_for(2)
    by_rcpt = {tuple(m.rcpt_tos): m.message() for m in gateways.messages}
    email = by_rcpt[("tech@example.net",)]
    assert f"#{intervention.pk}" in email["Subject"]
    assert [p.get_filename() for p in email.iter_attachments()] == ["drawing.pdf"]
    fax = by_rcpt[("390298765432@fax.example.net",)]
    [pdf] = list(fax.iter_attachments())
    assert pdf.get_content_type() == "application/pdf" and pdf.get_content().startswith(b"%PDF")
    rows = Notification.objects.filter(intervention=intervention)
    assert set(rows.values_list("status", flat=True)) == {"sent"}
    assert all(row.gateway_id.endswith("@pronto>") for row in rows)


def test_smtp_down_then_back_sends_each_once(
    users, plant, gateways, django_capture_on_commit_callbacks, settings
):
    technician = users["technician"]
    ContactPoint.objects.create(user=technician, channel="email", address="tech@example.net")
    gateways.stop()
    call = call_logged(users, plant)
    intervention = dispatch_services.intervention_open(actor=users["operator"], call=call, summary="Leak")
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_services.intervention_assign(
            actor=users["operator"], intervention=intervention, technician=technician
        )
    row = Notification.objects.get(intervention=intervention)
    assert row.status == "pending" and row.attempts == 1 and row.last_error
    gateways.start()
    Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(row.pk)
        notification_send(row.pk)
    row.refresh_from_db()
    assert row.status == "sent" and row.attempts == 2
    assert gateways.wait_for(1) and len(gateways.messages) == 1
