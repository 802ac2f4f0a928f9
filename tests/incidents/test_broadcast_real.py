# ruff: noqa: F811  (the fixtures imported below are the test's arguments)
"""The updates' delivery with nothing faked: the services commit in this process, the drain task
and the email tasks go through a real Redis to a real ``celery worker`` process, which hands
the SMS to a real Kannel (bearerbox, smsbox, fakesmsc: what the "phones" received is asserted)
and the emails to a real SMTP server (aiosmtpd).

Scenario (issue 19): declare, attach calls (one caller called twice, one subscribed and then
unsubscribed, one never subscribed), update twice, resolve: each subscriber gets exactly three
SMS, once each; the unsubscribed and the unsubscribing none; the contact one email per update.
PostgreSQL only: the worker is another process and must see the test's committed rows.
"""

from __future__ import annotations

import time

import pytest

from dispatch.models import Contact
from incidents.models import IncidentDelivery
from incidents.services import (
    call_attach,
    incident_declare,
    incident_resolve,
    incident_update,
    subscriber_remove,
)
from notifications.models import Notification
from tests.network.conftest import network  # noqa: F401  (fixture)
from tests.notifications.celery.test_worker_real import (  # noqa: F401  (fixtures)
    broker,
    kannel,
    kannel_gateway,
    redis_broker,
    sink,
    wait_until,
    worker,
)

pytestmark = [pytest.mark.real_component, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TWICE, ONCE, LEFT, NEVER = "+393337000001", "+393337000002", "+393337000003", "+393337000004"
CONTACT = "control@utility.example"


@pytest.fixture
def log_call(users):
    from dispatch.services import call_log

    def make(plant, number):
        return call_log(actor=users["operator"], caller_number=number, plant=plant)

    return make


def _texts_to(kannel, number: str) -> list[str]:
    return [m.text("gsm7") for m in kannel.phone.messages() if m.receiver in (number, number.lstrip("+"))]


def test_every_subscriber_gets_each_update_once_through_the_real_worker_kannel_and_smtp(
    users,
    network,
    customer,
    log_call,
    sink,
    kannel,
    worker,  # noqa: F811
):
    process = worker(sink, kannel, PRONTO_INCIDENT_SMS_RATE_PER_SECOND="20")
    Contact.objects.create(customer=customer, name="Control room", email=CONTACT)
    supervisor, operator = users["supervisor"], users["operator"]

    incident = incident_declare(
        actor=supervisor, node=network["CAB"], title="Cabin CAB down", public_message="Gas is off."
    )
    for plant, number in (("B1", TWICE), ("L1", TWICE), ("B3", ONCE), ("L2", LEFT)):
        call_attach(actor=operator, incident=incident, call=log_call(network[plant], number), subscribe=True)
    call_attach(actor=operator, incident=incident, call=log_call(network["B1"], NEVER))
    subscriber_remove(actor=operator, subscriber=incident.subscribers.get(number=LEFT))

    incident_update(actor=supervisor, incident=incident, public_text="Crews on site.")
    incident_update(actor=supervisor, incident=incident, public_text="Valve being replaced.")
    incident_resolve(actor=supervisor, incident=incident, public_text="Supply restored.")

    rows = Notification.objects.filter(incident_delivery__update__incident=incident)
    wait_until(
        lambda: rows.count() == 10 and not rows.exclude(status__in=["sent", "delivered"]).exists(),
        60,
        lambda: f"every row out; {list(rows.values_list('recipient', 'status'))}\n{process.log()[-2000:]}",
    )
    sink.wait_for(4)
    time.sleep(1.0)  # a doubled send would arrive meanwhile

    expected = [
        "Customer One: Crews on site.",
        "Customer One: Valve being replaced.",
        "Customer One: Supply restored.",
    ]
    assert _texts_to(kannel, TWICE) == expected
    assert _texts_to(kannel, ONCE) == expected
    assert _texts_to(kannel, LEFT) == [] and _texts_to(kannel, NEVER) == []
    emails = [m.message() for m in sink.messages if tuple(m.rcpt_tos) == (CONTACT,)]
    assert len(emails) == 4  # the declaration and the three updates
    assert all(f"/status/{incident.public_token}/" in e.get_content() for e in emails)
    assert IncidentDelivery.objects.filter(update__incident=incident, subscriber__isnull=False).count() == 6
