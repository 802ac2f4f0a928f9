"""Inbound SMS through a real Kannel configured with ``post-url`` (docs/notifications.md,
"Replies"), into Pronto's own endpoint served by the live server, with the real database:
the reply acknowledges the intervention and Kannel texts Pronto's answer back to the phone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dispatch import services as dispatch_services
from tests.dispatch.helpers import call_logged
from tests.servers.kannel import SHORT_NUMBER, KannelGateway

pytestmark = pytest.mark.real_component

TOKEN = "kannel-post-inbound-token"
TECHNICIAN_NUMBER = "+393331234567"  # the technician's SMS contact point (the ``reachable`` fixture)


@pytest.fixture(scope="module")
def kannel_posting(live_server) -> Iterator[KannelGateway]:
    """A Kannel whose sms-service POSTs to Pronto: the token rides in the URL (Kannel adds no
    header of ours), the sender in ``X-Kannel-From``, the text as the body."""
    url = f"{live_server.url}/api/notifications/sms/inbound/?token={TOKEN}"
    gateway = KannelGateway.create_or_skip(inbound_url=url, inbound_method="post")
    yield gateway
    gateway.close()


@pytest.fixture
def assigned(reachable, plant, fake_gateway):
    call = call_logged(reachable, plant)
    intervention = dispatch_services.intervention_open(actor=reachable["operator"], call=call, summary="Leak")
    return dispatch_services.intervention_assign(
        actor=reachable["operator"], intervention=intervention, technician=reachable["technician"]
    )


@pytest.mark.parametrize(
    ("text", "coding"),
    [
        ("OK {pk}", "gsm7"),
        ("OK {pk} ✓ arrivo", "ucs2"),  # Kannel posts it as UTF-16BE, Content-Type says so
    ],
)
def test_a_reply_posted_by_kannel_acknowledges_and_is_answered(
    kannel_posting, assigned, settings, text, coding
):
    settings.PRONTO_SMS_INBOUND_TOKEN = TOKEN
    settings.PRONTO_SMS_INBOUND_ALLOWED_ADDRESSES = ["127.0.0.1"]
    kannel_posting.start()
    before = len(kannel_posting.replies.messages())

    kannel_posting.inject_mo(TECHNICIAN_NUMBER, text.format(pk=assigned.pk), coding=coding)

    replies = kannel_posting.replies.wait_for(lambda messages: len(messages) > before, timeout=10)
    reply = replies[-1]
    assert reply.receiver == TECHNICIAN_NUMBER and reply.sender == SHORT_NUMBER
    assert reply.text() == f"Intervention #{assigned.pk} acknowledged."
    assigned.refresh_from_db()
    assert assigned.status == "acknowledged"
    event = assigned.events.get(kind="notification.reply")
    assert event.data["text"] == text.format(pk=assigned.pk)


def test_a_post_from_an_address_not_allowed_changes_nothing(kannel_posting, assigned, settings):
    settings.PRONTO_SMS_INBOUND_TOKEN = TOKEN
    settings.PRONTO_SMS_INBOUND_ALLOWED_ADDRESSES = ["192.0.2.1"]
    kannel_posting.start()
    before = len(kannel_posting.replies.messages())

    kannel_posting.inject_mo(TECHNICIAN_NUMBER, f"OK {assigned.pk}")

    replies = kannel_posting.replies.wait_for(lambda messages: len(messages) > before, timeout=10)
    # Pronto answered 403; Kannel texts its own words for an answer that is not a 200.
    assert replies[-1].text() == "Could not fetch content, sorry."
    assigned.refresh_from_db()
    assert assigned.status == "assigned"
