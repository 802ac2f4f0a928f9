"""Files emailed to a customer's contacts (``email_files_send``): one outbox row per contact,
written in the caller's transaction and delivered after its commit; the files kept once, so a
retry sends the same bytes."""

import pytest
from django.db import transaction
from django.utils import timezone

from dispatch.models import Contact
from notifications import services
from notifications.backends.base import Attachment
from notifications.models import Notification

pytestmark = pytest.mark.django_db

PDF = Attachment("figures 10/2026.pdf", "application/pdf", b"%PDF-1.4\n" + bytes(range(256)) * 40)


@pytest.fixture
def contacts(customer):
    return [
        Contact.objects.create(customer=customer, name="Quality", email="quality@gasco.example"),
        Contact.objects.create(customer=customer, name="Switchboard"),  # no email: skipped
        Contact.objects.create(customer=customer, name="Director", email="director@gasco.example"),
    ]


def test_each_contact_gets_one_email_with_the_files_after_commit(
    contacts, fake_gateway, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        rows = services.email_files_send(
            reason="report", contacts=contacts, subject="S" * 250, body="The figures.", files=[PDF]
        )
        assert fake_gateway.sent == []
    assert [(r.recipient, r.channel, r.reason, r.status) for r in rows] == [
        ("quality@gasco.example", "email", "report", "pending"),
        ("director@gasco.example", "email", "report", "pending"),
    ]
    assert len(rows[0].subject) == 200 and rows[0].intervention_id is None
    (kept,) = rows[0].attachments
    assert rows[1].attachments == [kept]  # one file for every row
    assert (kept["filename"], kept["content_type"]) == (PDF.filename, PDF.content_type)

    for callback in callbacks:
        callback()

    assert sorted(m.recipient for m in fake_gateway.sent) == [
        "director@gasco.example",
        "quality@gasco.example",
    ]
    assert all(m.attachments == (PDF,) and m.body == "The figures." for m in fake_gateway.sent)
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}


def test_a_retry_sends_the_same_bytes(contacts, fake_gateway, django_capture_on_commit_callbacks):
    fake_gateway.script = ["down"]
    with django_capture_on_commit_callbacks(execute=True):
        (row, _other) = services.email_files_send(
            reason="report", contacts=contacts, subject="Figures", body="", files=[PDF]
        )
    row.refresh_from_db()
    assert row.status == "pending" and row.attempts == 1
    Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())

    assert services.notification_deliver(notification_id=row.pk) == "sent"

    assert [m.attachments for m in fake_gateway.sent if m.notification_id == row.pk] == [(PDF,)]


def test_a_rolled_back_transaction_leaves_no_email(
    contacts, fake_gateway, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            services.email_files_send(reason="report", contacts=contacts, subject="x", body="", files=[PDF])
            raise RuntimeError("the caller failed")
    assert not Notification.objects.exists() and fake_gateway.sent == []


def test_nobody_to_write_to_writes_nothing(customer):
    nobody = [Contact.objects.create(customer=customer, name="Switchboard")]
    assert (
        services.email_files_send(reason="report", contacts=nobody, subject="x", body="", files=[PDF]) == []
    )
    assert not Notification.objects.exists()
