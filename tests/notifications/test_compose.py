"""Messages an operator writes (issue 20): the service, the pages and the API, with a scripted
gateway (the real Kannel and SMTP: tests/web/test_compose_browser.py)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from dispatch.choices import InterventionStatus as S
from dispatch.models import Contact, PlantDocument
from notifications.models import Notification
from notifications.services import Upload, message_send
from tests.dispatch.helpers import intervention_in

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4 drawing\n%%EOF\n"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def case(reachable, plant):
    return intervention_in(S.ASSIGNED, users=reachable, plant=plant)


@pytest.fixture
def archive(plant, media):
    documents = []
    for title, name in (("Cabin drawing", "drawing.pdf"), ("Valve manual", "manual.pdf")):
        document = PlantDocument(plant=plant, title=title)
        document.file.save(name, ContentFile(PDF + title.encode()), save=True)
        documents.append(document)
    return documents


@pytest.fixture
def contact(customer):
    return Contact.objects.create(
        customer=customer, name="Control room", email="control@utility.example", phone_number="02 1234 5678"
    )


def _send(users, case, **fields):
    values = {
        "actor": users["operator"],
        "channel": "sms",
        "plant": case.plant,
        "intervention": case,
        "technician_id": users["technician"].pk,
        "text": "Please call the control room before going in.",
    }
    values.update(fields)
    return message_send(**values)


# ----------------------------------------------------------------------------------------------
# The service


def test_an_sms_to_the_technician_is_an_outbox_row_delivered_after_commit(
    users, case, fake_gateway, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        row = _send(users, case)
    row.refresh_from_db()
    assert (row.reason, row.channel, row.recipient) == ("message", "sms", "+393331234567")
    assert (row.author, row.plant, row.intervention, row.recipient_user) == (
        users["operator"], case.plant, case, users["technician"]
    )  # fmt: skip
    assert row.status == "sent" and row.attempts == 1
    [sent] = fake_gateway.sent
    assert (sent.recipient, sent.body) == ("+393331234567", "Please call the control room before going in.")
    written = case.events.get(kind="notification.written")
    assert written.actor == users["operator"]
    assert written.data["text"] == "Please call the control room before going in."
    assert written.data["notifications"][0]["recipient_name"] == "technician"
    assert case.events.filter(kind="notification.sent", data__notification=row.pk).exists()


def test_an_email_carries_the_ticked_documents_and_the_upload(
    users, case, archive, fake_gateway, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        row = _send(
            users,
            case,
            channel="email",
            subject="Drawings for the cabin",
            text="Here are the drawings.",
            document_ids=[d.pk for d in archive],
            upload=Upload(filename="C:\\photos\\notes.txt", content=b"Gate code 1234\n"),
        )
    [sent] = fake_gateway.sent
    assert sent.recipient == "tech@example.net" and sent.subject == "Drawings for the cabin"
    files = {a.filename: (a.content_type, a.content) for a in sent.attachments}
    assert files == {
        "drawing.pdf": ("application/pdf", PDF + b"Cabin drawing"),
        "manual.pdf": ("application/pdf", PDF + b"Valve manual"),
        "notes.txt": ("text/plain; charset=utf-8", b"Gate code 1234\n"),
    }
    assert row.attachments[-1]["file"].startswith("notifications/")


def test_a_message_about_a_plant_alone_is_kept_on_the_plant(users, plant, contact, fake_gateway):
    row = message_send(
        actor=users["supervisor"], channel="sms", plant=plant, contact_id=contact.pk, text="Check at 10."
    )
    assert (row.intervention, row.plant, row.recipient) == (None, plant, "+390212345678")
    assert row.recipient_user is None
    assert list(Notification.objects.filter(plant=plant)) == [row]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"channel": "fax"}, "channel"),
        ({"text": "   "}, "text"),
        ({"text": "x" * 460}, "text"),  # 4 SMS: the gateway sends 3 at most
        ({"text": "€" * 230}, "text"),  # 460 septets: each € is two
        ({"channel": "email", "subject": ""}, "subject"),
        ({"technician_id": None}, "recipient"),
        ({"documents_of_other_plant": True}, "documents"),
        ({"document_ids": [1]}, "documents"),  # an SMS carries none
        ({"channel": "email", "subject": "s", "upload": Upload("page.html", b"<html><script>")}, "file"),
    ],
)
def test_what_is_refused_writes_nothing(users, case, other_plant, media, fields, field):
    if fields.pop("documents_of_other_plant", False):
        other = PlantDocument(plant=other_plant, title="Not theirs")
        other.file.save("other.pdf", ContentFile(PDF), save=True)
        fields = {"channel": "email", "subject": "s", "document_ids": [other.pk]}
    before = Notification.objects.count(), case.events.count()
    with pytest.raises(ValidationError) as refused:
        _send(users, case, **fields)
    assert field in refused.value.message_dict
    assert (Notification.objects.count(), case.events.count()) == before


def test_the_attachments_budget_holds(users, case, archive, settings):
    settings.PRONTO_EMAIL_ATTACHMENTS_MAX_BYTES = len(PDF) + 20
    with pytest.raises(ValidationError) as refused:
        _send(users, case, channel="email", subject="s", document_ids=[d.pk for d in archive])
    assert "MB" in refused.value.message_dict["documents"][0]


def test_a_technician_without_that_channel_is_told_so(users, case):
    with pytest.raises(ValidationError) as refused:
        _send(users, case, technician_id=users["operator"].pk)
    assert "technician" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        _send(users, case, channel="email", subject="s", technician_id=users["technician2"].pk)
    assert "no active Email contact point" in refused.value.message_dict["channel"][0]


# ----------------------------------------------------------------------------------------------
# The pages


def test_the_intervention_page_offers_sms_and_email_beside_the_technician_and_the_contacts(
    users, case, contact, browser
):
    operator = browser("operator")
    page = operator.get(f"/interventions/{case.pk}/").content.decode()
    assert f"/interventions/{case.pk}/messages/" in page
    panel = operator.get(f"/interventions/{case.pk}/messages/").content.decode()
    new = f"/interventions/{case.pk}/messages/new/"
    assert f"{new}?channel=sms&amp;to=technician-{users['technician'].pk}" in panel
    assert f"{new}?channel=email&amp;to=technician-{users['technician'].pk}" in panel
    assert f"{new}?channel=email&amp;to=contact-{contact.pk}" in panel
    board = operator.get("/board/rows/").content.decode()
    assert f"{new}?to=technician-{users['technician'].pk}&amp;channel=sms" in board


def test_the_form_is_prefilled_from_the_summary_and_sends(users, case, archive, browser, fake_gateway):
    operator = browser("operator")
    url = f"/interventions/{case.pk}/messages/new/"
    to = f"technician-{users['technician'].pk}"
    form = operator.get(url, {"channel": "sms", "to": to}).content.decode()
    assert case.summary in form and f"#{case.pk}" in form and 'data-sms-count="message-text"' in form
    email = operator.get(url, {"channel": "email", "to": to}).content.decode()
    assert all(d.title in email for d in archive)
    answer = operator.post(
        url,
        {
            "channel": "email",
            "to": to,
            "subject": "Drawings",
            "text": "See attached.",
            "documents": [str(archive[0].pk)],
            "file": SimpleUploadedFile("notes.txt", b"Gate code 1234\n"),
        },
    )
    assert answer.status_code == 302 and answer["Location"] == f"/interventions/{case.pk}/"
    row = Notification.objects.get(reason="message")
    assert [a["filename"] for a in row.attachments] == ["drawing.pdf", "notes.txt"]
    refused = operator.post(url, {"channel": "sms", "to": to, "text": "x" * 500})
    assert refused.status_code == 400 and "Too long" in refused.content.decode()
    assert Notification.objects.filter(reason="message").count() == 1


def test_the_same_form_sent_twice_sends_once(users, case, browser, fake_gateway):
    operator = browser("operator")
    url = f"/interventions/{case.pk}/messages/new/"
    to = f"technician-{users['technician'].pk}"
    form = operator.get(url, {"channel": "sms", "to": to}).content.decode()
    key = form.split('name="key" value="', 1)[1][:32]
    for _ in range(2):
        sent = operator.post(url, {"channel": "sms", "to": to, "key": key, "text": "On my way?"})
        assert sent.status_code == 302
    assert Notification.objects.filter(reason="message").count() == 1
    assert case.events.filter(kind="notification.written").count() == 1
    other = operator.get(url, {"channel": "sms", "to": to}).content.decode()
    assert other.split('name="key" value="', 1)[1][:32] != key


def test_the_plant_page_lists_who_to_write_to_and_what_was_written(users, case, contact, browser):
    _send(users, case)
    page = browser("supervisor").get(f"/plants/{case.plant_id}/messages/").content.decode()
    assert f"to=technician-{users['technician'].pk}" in page and f"to=contact-{contact.pk}" in page
    assert "Please call the control room before going in." in page
    network = browser("supervisor").get(f"/network/plants/{case.plant_id}/").content.decode()
    assert f"/plants/{case.plant_id}/messages/" in network


# ----------------------------------------------------------------------------------------------
# The API


def test_the_api_writes_a_message(users, case, archive, client_for, fake_gateway):
    answer = client_for("operator").post(
        f"/api/interventions/{case.pk}/messages/",
        {
            "channel": "email",
            "technician": users["technician"].pk,
            "subject": "Drawings",
            "text": "See attached.",
            "documents": [archive[1].pk],
        },
        format="json",
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert (body["reason"], body["channel"], body["recipient"]) == ("message", "email", "tech@example.net")
    assert [a["filename"] for a in body["attachments"]] == ["manual.pdf"]


def test_the_api_takes_a_file_as_multipart(users, case, contact, client_for, media, fake_gateway):
    answer = client_for("supervisor").post(
        f"/api/interventions/{case.pk}/messages/",
        {
            "channel": "email",
            "contact": contact.pk,
            "subject": "Report",
            "text": "Attached.",
            "file": SimpleUploadedFile("report.pdf", PDF),
        },
        format="multipart",
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["recipient"] == "control@utility.example"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"channel": "sms", "text": "hi"}, "technician"),
        ({"channel": "pigeon", "technician": 1, "text": "hi"}, "channel"),
        ({"channel": "sms", "technician": 1, "contact": 1, "text": "hi"}, "technician"),
        ({"channel": "sms", "technician": "{technician}", "text": "x" * 600}, "text"),
        ({"channel": "email", "technician": "{technician}", "text": "hi", "documents": [999999]}, "subject"),
    ],
)
def test_the_api_refuses_with_clear_errors(users, case, client_for, body, field):
    body = {k: users["technician"].pk if v == "{technician}" else v for k, v in body.items()}
    answer = client_for("operator").post(f"/api/interventions/{case.pk}/messages/", body, format="json")
    assert answer.status_code == 400
    assert field in answer.json()
    assert not Notification.objects.filter(reason="message").exists()


def test_the_api_is_for_operators_and_supervisors(users, case, client_for):
    body = {"channel": "sms", "technician": users["technician"].pk, "text": "hi"}
    url = f"/api/interventions/{case.pk}/messages/"
    assert client_for("technician").post(url, body, format="json").status_code == 403
    assert client_for("utility").post(url, body, format="json").status_code == 403
    missing = client_for("operator").post("/api/interventions/999999/messages/", body, format="json")
    assert missing.status_code == 404
