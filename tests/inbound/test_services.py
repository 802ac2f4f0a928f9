"""The inbound services on the database, with an in-memory source (the real IMAP server is in
test_mail_real.py): matching, filing, permissions, the poll's bookkeeping, retry and dismiss."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from PIL import Image

from dispatch.choices import DocumentKind
from dispatch.choices import InterventionStatus as S
from dispatch.models import Contact, KnownNumber, PlantDocument
from inbound import services
from inbound.backends.base import Fetched, InboundSource, inbound_sources
from inbound.checks import inbound_sources_check
from inbound.choices import FaxMatch, ItemStatus
from inbound.messages import references, reply_text
from inbound.models import InboundItem, ReceivedFax
from notifications.models import ContactPoint
from notifications.services import reply_parse
from tests.dispatch.helpers import intervention_in
from tests.factories import PlantFactory

pytestmark = pytest.mark.django_db


class MemorySource(InboundSource):
    """A source whose messages are a list; ``done`` removes one, as a move to a folder would."""

    def __init__(self, messages: list[Fetched], *, name: str = "faxes", kind: str = "fax") -> None:
        super().__init__(name=name, kind=kind)
        self.messages = messages
        self.put_away: list[str] = []

    def fetch(self, *, limit: int):
        return iter(list(self.messages)[:limit])

    def done(self, fetched: Fetched) -> None:
        self.messages.remove(fetched)
        self.put_away.append(fetched.key)


def blank_pdf(pages: int = 1) -> bytes:
    buffer = io.BytesIO()
    frames = [Image.new("1", (170, 240), 1) for _ in range(pages)]
    frames[0].save(buffer, format="PDF", save_all=True, append_images=frames[1:])
    return buffer.getvalue()


def test_the_reply_parsing_is_the_sms_replys():
    assert reply_parse("ok") == (True, None)
    assert reply_parse("Sì #42 arrivo") == (True, 42)
    assert reply_parse("OK, on my way") == (True, None)
    assert reply_parse("Not now") == (False, None)


def test_the_text_of_a_reply_stops_at_the_quoted_original():
    from email.message import EmailMessage

    message = EmailMessage()
    message.set_content("Arrivo tra 10 minuti.\n\nIl giorno sab, Pronto ha scritto:\n> Intervento #7\n")
    assert reply_text(message) == "Arrivo tra 10 minuti."
    assert references("Re: Intervention #7 P1", "rif. 12") == [7, 12]


def test_a_fax_quoting_an_intervention_goes_to_it_before_any_number_or_code(users, plant):
    intervention = intervention_in(S.ASSIGNED, users=users, plant=plant)
    other = PlantFactory(customer=plant.customer, code="CAB-9")
    KnownNumber.objects.create(number="+390211112222", plant=other)
    found = services.fax_match(sender_number="+390211112222", texts=[f"Rif. {intervention.pk} CAB-9", ""])
    assert found == (plant, intervention, FaxMatch.REFERENCE)


def test_a_customers_contact_matches_only_when_the_customer_has_one_plant(plant):
    Contact.objects.create(customer=plant.customer, name="Caretaker", phone_number="+390233334444")
    assert services.fax_match(sender_number="+390233334444", texts=[""])[0] == plant
    PlantFactory(customer=plant.customer, code="SECOND")
    assert services.fax_match(sender_number="+390233334444", texts=[""]) == (None, None, FaxMatch.NONE)


def test_a_technicians_fax_goes_to_their_one_active_intervention(users, plant):
    ContactPoint.objects.create(user=users["technician"], channel="fax", address="+390298765432")
    intervention = intervention_in(S.ON_SITE, users=users, plant=plant)
    assert services.fax_match(sender_number="+390298765432", texts=[""]) == (
        plant,
        intervention,
        FaxMatch.NUMBER,
    )


def test_two_plant_codes_are_ambiguous_and_the_fax_waits_in_the_inbox(plant):
    PlantFactory(customer=plant.customer, code="CAB-1")
    assert services.fax_match(sender_number="", texts=["P1 and CAB-1"]) == (None, None, FaxMatch.NONE)


def test_polling_keeps_processes_and_puts_away_once(plant):
    KnownNumber.objects.create(number="+390255501234", plant=plant)
    fetched = Fetched(
        key="fax001.tif", raw=blank_pdf(2), message_id="recvq:fax001", sender_number="+390255501234"
    )
    source = MemorySource([fetched])

    summary = services.inbound_poll(sources=[source])

    assert summary["faxes"]["filed"] == 1 and source.put_away == ["fax001.tif"]
    document = PlantDocument.objects.get(kind=DocumentKind.FAX_RECEIVED)
    assert (document.plant, document.pages, document.received_from) == (plant, 2, "+390255501234")
    source.messages.append(fetched)
    again = services.inbound_poll(sources=[source])
    assert again["faxes"]["kept"] == 0 and again["faxes"]["filed"] == 0
    assert PlantDocument.objects.filter(kind=DocumentKind.FAX_RECEIVED).count() == 1
    assert source.put_away == ["fax001.tif", "fax001.tif"]


def test_a_file_that_is_no_fax_fails_and_stays_until_dismissed(users):
    source = MemorySource([Fetched(key="1", raw=b"GIF89a not a fax", message_id="m1")])
    services.inbound_poll(sources=[source])
    item = InboundItem.objects.get()
    assert item.status == ItemStatus.FAILED and item.attempts == 1 and source.messages
    with pytest.raises(PermissionDenied):
        services.item_retry(actor=users["operator"], item=item)
    assert services.item_retry(actor=users["supervisor"], item=item).attempts == 2
    services.item_dismiss(actor=users["supervisor"], item=item)
    services.inbound_poll(sources=[source])
    assert not source.messages and InboundItem.objects.get().status == ItemStatus.DISMISSED


def test_only_operators_and_supervisors_file_and_a_fax_is_filed_once(users, plant):
    source = MemorySource([Fetched(key="1", raw=blank_pdf(), message_id="m1")])
    services.inbound_poll(sources=[source])
    fax = ReceivedFax.objects.get()
    with pytest.raises(PermissionDenied):
        services.fax_file(actor=users["technician"], fax=fax, plant=plant)
    with pytest.raises(ValidationError):
        services.fax_file(actor=users["operator"], fax=fax)
    services.fax_file(actor=users["operator"], fax=fax, plant=plant)
    with pytest.raises(ValidationError):
        services.fax_file(actor=users["supervisor"], fax=fax, plant=plant)
    assert PlantDocument.objects.filter(kind=DocumentKind.FAX_RECEIVED, plant=plant).count() == 1


def test_a_utility_user_never_sees_a_received_fax(users, plant, client_for):
    source = MemorySource([Fetched(key="1", raw=blank_pdf(), message_id="m1")])
    services.inbound_poll(sources=[source])
    services.fax_file(actor=users["operator"], fax=ReceivedFax.objects.get(), plant=plant)
    document = PlantDocument.objects.get(kind=DocumentKind.FAX_RECEIVED)
    from dispatch.access import restrict

    assert not restrict(PlantDocument.objects.filter(pk=document.pk), users["utility"]).exists()
    assert restrict(PlantDocument.objects.filter(pk=document.pk), users["operator"]).exists()


def test_no_source_by_default_and_a_bad_one_fails_the_check(settings):
    settings.PRONTO_INBOUND_SOURCES = {}
    assert inbound_sources() == [] and inbound_sources_check(None) == []
    out = io.StringIO()
    call_command("inbound_poll", stdout=out)
    assert "no inbound sources configured" in out.getvalue()
    settings.PRONTO_INBOUND_SOURCES = {
        "replies": {
            "BACKEND": "inbound.backends.imap.ImapMailboxSource",
            "KIND": "reply",
            "OPTIONS": {"host": "x"},
        }
    }
    with pytest.raises(ImproperlyConfigured):
        inbound_sources()
    assert [message.id for message in inbound_sources_check(None)] == ["inbound.E001"]


def test_the_beat_polls_the_sources(settings):
    from config.celery import app

    assert settings.CELERY_BEAT_SCHEDULE["inbound-poll"]["task"] == "inbound.tasks.inbound_poll"
    assert "inbound.tasks.inbound_poll" in app.tasks


def test_the_inbox_files_by_code_and_says_what_went_wrong(users, plant, browser):
    source = MemorySource([Fetched(key="1", raw=blank_pdf(), message_id="m1")])
    services.inbound_poll(sources=[source])
    fax = ReceivedFax.objects.get()
    client = browser("operator")
    assert f"fax-{fax.pk}" in client.get("/inbound/faxes/").content.decode()

    wrong = client.post(f"/inbound/faxes/{fax.pk}/file/", {"code": "NOPE"}, follow=True)
    assert "No plant has the code NOPE." in wrong.content.decode()
    assert ReceivedFax.objects.get().document is None

    client.post(f"/inbound/faxes/{fax.pk}/file/", {"code": plant.code})
    fax.refresh_from_db()
    assert fax.document.plant == plant and fax.matched_by == FaxMatch.OPERATOR
    again = client.post(f"/inbound/faxes/{fax.pk}/file/", {"target": f"p:{plant.pk}"}, follow=True)
    assert "already filed" in again.content.decode()
    assert PlantDocument.objects.filter(kind=DocumentKind.FAX_RECEIVED).count() == 1


def test_a_fax_filed_on_a_case_is_in_the_plants_archive_and_on_the_technicians_phone(users, plant, client):
    intervention = intervention_in(S.ON_SITE, users=users, plant=plant)
    fetched = Fetched(key="9", raw=blank_pdf(3), message_id="m9", sender_number="+390255501234")
    services.inbound_poll(sources=[MemorySource([fetched])])
    # Filed on the case: a technician sees the faxes of the cases they were sent to.
    services.fax_file(actor=users["operator"], fax=ReceivedFax.objects.get(), intervention=intervention)
    document = PlantDocument.objects.get(kind=DocumentKind.FAX_RECEIVED)
    link = reverse("dispatch:plant-document", args=[plant.pk, document.pk])

    client.force_login(users["operator"])
    page = client.get(reverse("notifications:plant-messages", args=[plant.pk])).content.decode()
    archive = page[page.index('class="plant-archive"') :]
    assert link in archive and "from +390255501234, 3 pages" in archive

    client.force_login(users["technician"])
    phone = client.get(reverse("dispatch:m-intervention", args=[intervention.pk])).content.decode()
    assert "Faxes received" in phone and link in phone and "3 pages" in phone
