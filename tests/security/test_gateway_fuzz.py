"""Property-based tests (Hypothesis) of the three doors gateways knock on without signing in: the
Kannel delivery-report endpoint, the inbound-SMS endpoint (GET and POST) and the telephony
webhook. For any input: never a server error, and input that is refused changes nothing.

Each example runs in its own transaction, rolled back after it
(``hypothesis.extra.django.TestCase``), on one world built once per class; so a served example
cannot leave rows the next one trips over, and no database is made per example. Bounded and
deterministic: ``derandomize=True`` and a fixed number of examples per test, about 10 s for all.
"""

import json
import time
import urllib.parse

from django.contrib.auth.models import Group
from django.test import Client, override_settings
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from dispatch import services as dispatch_services
from dispatch.choices import Role
from dispatch.models import Call, Event, Intervention, TelephonyReceipt
from notifications.models import ContactPoint, Notification, NotificationAttempt
from notifications.tokens import status_token
from telephony.signatures import telephony_signature
from tests.dispatch.helpers import call_logged
from tests.factories import CustomerFactory, PlantFactory, UserFactory

FUZZ = settings(
    max_examples=120,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
INBOUND_TOKEN = "fuzz-inbound-token"
TELEPHONY_SECRET = "fuzz-telephony-secret-0123456789abcdef"
TECHNICIAN_NUMBER = "+393331234567"
FAKE_GATEWAYS = {
    channel: {"BACKEND": "tests.notifications.fakes.FakeGateway", "OPTIONS": {}}
    for channel in ("sms", "email", "fax")
}

# Text as gateways and attackers send it: any Unicode (surrogates and NUL included), numbers
# in other scripts, huge numbers, and the values that matter.
SPECIAL = ["", "²", "١٢", "1e30", "99999999999999999999", "-1", "0", "NaN", "OK", "é", "\x00"]
texts = st.one_of(
    st.sampled_from(SPECIAL),
    st.text(max_size=60),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)
percent_encoded = st.binary(max_size=80).map(urllib.parse.quote_from_bytes)


def _state() -> tuple:
    """What a refused request must leave as it was."""
    return (
        Call.objects.count(),
        Event.objects.count(),
        TelephonyReceipt.objects.count(),
        NotificationAttempt.objects.count(),
        tuple(Notification.objects.order_by("pk").values_list("status", "delivered_at", "failed_at")),
        tuple(Intervention.objects.order_by("pk").values_list("status", "acknowledged_at")),
    )


class GatewayWorld(TestCase):
    @classmethod
    def setUpTestData(cls):
        for role in Role.values:
            Group.objects.get_or_create(name=role)
        customer = CustomerFactory(code="fz", name="Fuzz")
        plant = PlantFactory(customer=customer, code="FZ1")
        users = {
            "operator": UserFactory(username="operator", role=Role.OPERATOR),
            "technician": UserFactory(username="technician", role=Role.TECHNICIAN),
        }
        ContactPoint.objects.create(
            user=users["technician"], channel="sms", address=TECHNICIAN_NUMBER, position=0
        )
        with override_settings(PRONTO_NOTIFICATION_BACKENDS=FAKE_GATEWAYS):
            call = call_logged(users, plant)
            intervention = dispatch_services.intervention_open(
                actor=users["operator"], call=call, summary="Leak"
            )
            cls.intervention = dispatch_services.intervention_assign(
                actor=users["operator"], intervention=intervention, technician=users["technician"]
            )
        cls.sms = Notification.objects.get(intervention=cls.intervention, channel="sms")

    def setUp(self):
        self.client = Client(raise_request_exception=False)

    def assert_refused_changes_nothing(self, response, before, served=(200, 201)):
        self.assertLess(response.status_code, 500, response.content[:300])
        if response.status_code not in served:
            self.assertEqual(_state(), before, f"refused with {response.status_code} but changed rows")


@override_settings(PRONTO_NOTIFICATION_BACKENDS=FAKE_GATEWAYS)
class DeliveryReportFuzz(GatewayWorld):
    @FUZZ
    @given(
        pk=st.one_of(st.just(0), st.integers(min_value=0, max_value=10**25)),
        own_token=st.booleans(),
        token=texts,
        dlr_type=texts,
        smsc_reply=st.one_of(st.text(max_size=600), st.just("id:1 stat:DELIVRD err:000")),
    )
    # What issue 14 found, always tried: a non-ASCII token (compare_digest raised TypeError).
    @example(pk=0, own_token=False, token="é", dlr_type="1", smsc_reply="")
    @example(pk=0, own_token=True, token="", dlr_type="²", smsc_reply="")
    def test_any_delivery_report(self, pk, own_token, token, dlr_type, smsc_reply):
        pk = self.sms.pk if pk == 0 else pk
        query = {
            "token": status_token(pk) if own_token else token,
            "type": dlr_type,
            "smsc_reply": smsc_reply,
        }
        before = _state()
        response = self.client.get(f"/api/notifications/{pk}/status/", query)
        self.assert_refused_changes_nothing(response, before)

    @FUZZ
    @given(query=percent_encoded)
    def test_any_raw_query_string(self, query):
        before = _state()
        response = self.client.get(f"/api/notifications/{self.sms.pk}/status/?{query}")
        self.assert_refused_changes_nothing(response, before)


@override_settings(PRONTO_SMS_INBOUND_TOKEN=INBOUND_TOKEN, PRONTO_NOTIFICATION_BACKENDS=FAKE_GATEWAYS)
class InboundSmsFuzz(GatewayWorld):
    senders = st.one_of(st.just(TECHNICIAN_NUMBER), texts)
    replies = st.one_of(texts, st.builds("OK {}".format, texts), st.just("OK"))
    tokens = st.one_of(st.just(INBOUND_TOKEN), texts)

    @FUZZ
    @given(
        token=tokens,
        sender=senders,
        text=replies,
        coding=st.sampled_from(["", "0", "1", "2", "²"]),
        charset=st.sampled_from(["", "UTF-8", "UTF-16BE", "ISO-8859-1", "x-nonsense"]),
        header_token=st.one_of(st.none(), tokens),
    )
    @example(token="é", sender="1", text="OK", coding="", charset="", header_token=None)
    @example(
        token="", sender=TECHNICIAN_NUMBER, text="OK ²", coding="0", charset="", header_token=INBOUND_TOKEN
    )
    def test_any_get(self, token, sender, text, coding, charset, header_token):
        query = {"token": token, "sender": sender, "text": text, "coding": coding, "charset": charset}
        headers = {} if header_token is None else {"HTTP_X_PRONTO_TOKEN": header_token}
        before = _state()
        response = self.client.get("/api/notifications/sms/inbound/", query, **headers)
        self.assert_refused_changes_nothing(response, before, served=(200,))

    @FUZZ
    @given(query=percent_encoded, body=st.binary(max_size=200))
    def test_any_raw_get_or_form(self, query, body):
        before = _state()
        response = self.client.get(f"/api/notifications/sms/inbound/?token={INBOUND_TOKEN}&{query}")
        self.assert_refused_changes_nothing(response, before, served=(200,))
        before = _state()
        response = self.client.post(
            f"/api/notifications/sms/inbound/?{query}",
            body,
            content_type="application/x-www-form-urlencoded",
            HTTP_X_PRONTO_TOKEN=INBOUND_TOKEN,
        )
        self.assert_refused_changes_nothing(response, before, served=(200,))

    @FUZZ
    @given(
        body=st.one_of(
            st.binary(max_size=400), replies.map(lambda text: text.encode("utf-16-be", "surrogatepass"))
        ),
        content_type=st.sampled_from(
            [
                "text/plain",
                'text/plain; charset="UTF-16BE"',
                "text/plain; charset=UTF-8",
                'text/plain; charset="no-such-charset"',
                "application/octet-stream",
                "application/json",
                "multipart/form-data; boundary=x",
                "",
                "text/plain; charset",
            ]
        ),
        sender=st.one_of(st.none(), senders),
        coding=st.one_of(st.none(), st.sampled_from(["0", "1", "2", "²", ""])),
        token=tokens,
        token_in_header=st.booleans(),
    )
    @example(body=b"OK", content_type="text/plain", sender="1", coding=None, token="é", token_in_header=True)
    @example(
        body=b"\xd8\x00",
        content_type="text/plain",
        sender="1",
        coding="2",
        token=INBOUND_TOKEN,
        token_in_header=False,
    )
    def test_any_post(self, body, content_type, sender, coding, token, token_in_header):
        headers = {}
        if sender is not None:
            # WSGI headers are latin-1: what cannot be one is what no client could send.
            headers["HTTP_X_KANNEL_FROM"] = sender.encode("utf-8", "surrogatepass").decode("latin-1")
        if coding is not None:
            headers["HTTP_X_KANNEL_CODING"] = coding.encode().decode("latin-1")
        query = ""
        if token_in_header:
            headers["HTTP_X_PRONTO_TOKEN"] = token.encode("utf-8", "surrogatepass").decode("latin-1")
        else:
            query = urllib.parse.urlencode({"token": token.encode("utf-8", "surrogatepass")})
        before = _state()
        # generic(): the client's post() would re-encode a body whose charset is not UTF-8.
        response = self.client.generic(
            "POST", f"/api/notifications/sms/inbound/?{query}", body, content_type=content_type, **headers
        )
        self.assert_refused_changes_nothing(response, before, served=(200,))


@override_settings(PRONTO_TELEPHONY_SECRET=TELEPHONY_SECRET)
class TelephonyWebhookFuzz(GatewayWorld):
    events = st.fixed_dictionaries(
        {},
        optional={
            "call_id": texts,
            "event": st.one_of(st.sampled_from(["ring", "answer", "hangup"]), texts),
            "timestamp": st.one_of(
                st.datetimes(timezones=st.timezones()).map(lambda moment: moment.isoformat()),
                texts,
                st.integers(),
                st.none(),
            ),
            "caller": st.one_of(st.just("347 123 4567"), texts),
            "line": texts,
            "agent": st.one_of(st.just("operator"), texts),
        },
    )
    bodies = st.one_of(
        events.map(lambda event: json.dumps(event).encode()),
        st.binary(max_size=200),
        st.integers(min_value=1, max_value=5000).map(lambda depth: b"[" * depth + b"]" * depth),
    )

    @FUZZ
    @given(
        body=bodies,
        signed=st.booleans(),
        timestamp=st.one_of(st.none(), st.sampled_from(SPECIAL), texts),
        signature=texts,
        content_type=st.sampled_from(["application/json", "text/plain", "application/x-www-form-urlencoded"]),
    )
    # "²" passed isdigit() and failed int(); a signed, deeply nested body raised RecursionError.
    @example(body=b"{}", signed=False, timestamp="²", signature="x", content_type="application/json")
    @example(
        body=b"[" * 3000 + b"]" * 3000,
        signed=True,
        timestamp=None,
        signature="",
        content_type="application/json",
    )
    def test_any_event(self, body, signed, timestamp, signature, content_type):
        stamp = str(int(time.time())) if timestamp is None else timestamp
        if signed:
            signature = telephony_signature(secret=TELEPHONY_SECRET, timestamp=stamp, body=body)
        headers = {
            "HTTP_X_PRONTO_TIMESTAMP": stamp.encode("utf-8", "surrogatepass").decode("latin-1"),
            "HTTP_X_PRONTO_SIGNATURE": signature.encode("utf-8", "surrogatepass").decode("latin-1"),
        }
        before = _state()
        response = self.client.post("/api/telephony/events/", body, content_type=content_type, **headers)
        self.assert_refused_changes_nothing(response, before)
