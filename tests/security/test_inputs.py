"""Input from outside that answered 500 (issue 14, "Server errors found"), each through the door
it came in by: every one of these failed before ``dispatch.inputs`` and is refused cleanly now,
changing nothing."""

import time
from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django_filters import filters as django_filters
from rest_framework.test import APIClient

from dispatch.api.filters import IdFilter
from dispatch.choices import InterventionStatus as S
from dispatch.inputs import MAX_ID
from dispatch.models import Call, CallScriptAnswer, Intervention, ServiceLevelProfile
from notifications.models import Notification
from telecontrol.choices import Protocol, RejectionReason
from telecontrol.listener import TelemetryListener
from telecontrol.models import PlantState, PlantTelecontrol, TelemetryRejection
from tests.dispatch.helpers import call_logged, intervention_in
from tests.factories import PlantFactory
from tests.notifications.test_api import assigned  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

# "²" passes str.isdigit() and then fails int(); "١٢" is 12 to int(), but not ASCII.
NOT_NUMBERS = ["²", "١٢", "1e30", " 1 ", "+1", "", "99999999999999999999", str(MAX_ID + 1)]
TELEPHONY_SECRET = "inputs-telephony-secret-0123456789abcdef"


def no_server_error(client):
    client.raise_request_exception = False
    return client


# -- numbers from headers and forms ------------------------------------------------------------


@pytest.mark.parametrize(
    "timestamp", ["²", "١٧٠٠٠٠٠٠٠٠", "+1700000000", " 1700000000", "-1", "1" * 13, "1e9"]
)
def test_a_malformed_telephony_timestamp_is_refused_without_signing_in(settings, users, timestamp):
    settings.PRONTO_TELEPHONY_SECRET = TELEPHONY_SECRET
    response = no_server_error(APIClient()).post(
        "/api/telephony/events/",
        b"{}",
        content_type="application/json",
        HTTP_X_PRONTO_TIMESTAMP=timestamp,
        HTTP_X_PRONTO_SIGNATURE="sha256=" + "0" * 64,
    )
    assert response.status_code == 403 and "X-Pronto-Timestamp" in response.json()["detail"]


@pytest.mark.parametrize("signature", ["é", "sha256=é", "\u2603" * 71])
def test_a_non_ascii_telephony_signature_is_refused(settings, users, signature):
    settings.PRONTO_TELEPHONY_SECRET = TELEPHONY_SECRET
    response = no_server_error(APIClient()).post(
        "/api/telephony/events/",
        b"{}",
        content_type="application/json",
        HTTP_X_PRONTO_TIMESTAMP=str(int(time.time())),
        HTTP_X_PRONTO_SIGNATURE=signature,
    )
    assert response.status_code == 403 and response.json()["detail"] == "Bad signature."


@pytest.mark.parametrize("value", [value for value in NOT_NUMBERS if value])
def test_web_forms_read_ids_and_priorities_without_a_server_error(browser, users, plant, value):
    call = call_logged(users, plant)
    intervention = intervention_in(S.OPEN, users=users, plant=plant, call=call)
    client = no_server_error(browser("supervisor"))
    calls, interventions = Call.objects.count(), Intervention.objects.count()

    assign = client.post(f"/interventions/{intervention.pk}/assign/", {"technician": value})
    assert assign.status_code == 302
    intervention.refresh_from_db()
    assert intervention.status == S.OPEN and intervention.technician is None

    with_technician = client.post(
        f"/calls/{call.pk}/intervention/", {"technician": value, "priority": "2", "summary": "Leak"}
    )
    assert with_technician.status_code == 302 and Intervention.objects.count() == interventions
    # A priority that is not one is the default priority, as an empty one always was.
    with_priority = client.post(f"/calls/{call.pk}/intervention/", {"priority": value, "summary": "Leak"})
    assert with_priority.status_code == 302 and Intervention.objects.count() == interventions + 1

    answer = client.post(f"/calls/{call.pk}/script/", {"step": "start", "answer": value})
    assert answer.status_code == 302 and not CallScriptAnswer.objects.exists()
    assert Call.objects.count() == calls


@pytest.mark.parametrize("value", ["²", "١٢", "abc", "1e30", "99999999999999999999"])
def test_report_forms_read_the_customer_without_a_server_error(browser, users, customer, value):
    client = no_server_error(browser("supervisor"))
    profiles = ServiceLevelProfile.objects.count()
    assert client.get("/reports/service-levels/", {"customer": value}).status_code in (200, 404)
    assert client.post("/reports/standards/new/", {"customer": value, "service": "gas"}).status_code == 404
    assert ServiceLevelProfile.objects.count() == profiles


@pytest.mark.parametrize("value", ["²", "١٢"])
@pytest.mark.parametrize("field", ["plant", "operator"])
def test_api_related_fields_refuse_unicode_digits(client_for, users, plant, field, value):
    response = no_server_error(client_for("operator")).post(
        "/api/calls/", {"caller_number": "+390212345678", field: value}, format="json"
    )
    assert response.status_code == 400 and field in response.json()
    assert not Call.objects.exists()


def test_an_sms_reply_with_a_unicode_digit_is_understood_as_no_number(assigned, client_for, settings):  # noqa: F811
    settings.PRONTO_SMS_INBOUND_TOKEN = "demo-sms-inbound"
    response = client_for(None).get(
        "/api/notifications/sms/inbound/",
        {"token": "demo-sms-inbound", "sender": "+393331234567", "text": "OK ²"},
    )
    # One assignment waiting: "OK" alone acknowledges it; before, int("²") failed the reply.
    assert (
        response.status_code == 200
        and response.content.decode() == f"Intervention #{assigned.pk} acknowledged."
    )


# -- tokens ------------------------------------------------------------------------------------


def test_a_non_ascii_delivery_report_token_is_refused(assigned):  # noqa: F811
    sms = Notification.objects.get(intervention=assigned, channel="sms")
    response = no_server_error(Client()).get(f"/api/notifications/{sms.pk}/status/?token=%C3%A9&type=1")
    assert response.status_code == 403
    sms.refresh_from_db()
    assert sms.status == "sent"


def test_a_non_ascii_inbound_sms_token_is_refused(assigned, settings):  # noqa: F811
    settings.PRONTO_SMS_INBOUND_TOKEN = "demo-sms-inbound"
    client = no_server_error(Client())
    response = client.get(f"/api/notifications/sms/inbound/?token=%C3%A9&sender=1&text=OK+{assigned.pk}")
    assert response.status_code == 403
    posted = client.post(
        "/api/notifications/sms/inbound/?sender=1",
        b"OK",
        content_type="text/plain",
        HTTP_X_PRONTO_TOKEN="é".encode().decode("latin-1"),
    )
    assert posted.status_code == 403
    assigned.refresh_from_db()
    assert assigned.status == S.ASSIGNED


# -- filters and paging ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/calls/?plant=1e30", "plant"),
        ("/api/calls/?plant=99999999999999999999", "plant"),
        ("/api/calls/?plant=²", "plant"),
        ("/api/interventions/?technician=99999999999999999999", "technician"),
        ("/api/interventions/?plant=-99999999999999999999", "plant"),
        (f"/api/interventions/?call={MAX_ID + 1}", "call"),
        ("/api/interventions/?technician=0", "technician"),
        ("/api/plants/?customer=99999999999999999999", "customer"),
        ("/api/plants/?customer=1.5", "customer"),
    ],
)
def test_id_filters_answer_400_saying_why(client_for, users, plant, url, field):
    response = no_server_error(client_for("supervisor")).get(url)
    assert response.status_code == 400
    assert response.json() == {field: [f"Give an id: a whole number from 1 to {MAX_ID}."]}


def test_id_filters_still_filter(client_for, users, plant, other_plant):
    call_logged(users, plant)
    call_logged(users, other_plant)
    client = client_for("supervisor")
    assert [c["plant"] for c in client.get(f"/api/calls/?plant={plant.pk}").json()["results"]] == [plant.pk]
    assert client.get(f"/api/calls/?plant={MAX_ID}").json()["results"] == []
    found = client.get(f"/api/plants/?customer={plant.customer_id}").json()["results"]
    assert [p["id"] for p in found] == [plant.pk]


def _api_views():
    def walk(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern):
                view = getattr(pattern.callback, "cls", None)
                if view is not None:
                    yield view

    return set(walk(get_resolver().url_patterns))


def test_every_api_filter_on_an_id_or_number_is_bounded():
    """No django-filter NumberFilter or ModelChoiceFilter behind the API: an id is an IdFilter."""
    checked = []
    for view in _api_views():
        filterset_class = getattr(view, "filterset_class", None)
        assert not getattr(view, "filterset_fields", None), f"{view.__name__}: give it a filterset_class"
        if filterset_class is None:
            continue
        for name, declared in filterset_class.base_filters.items():
            assert not isinstance(declared, django_filters.NumberFilter | django_filters.ModelChoiceFilter), (
                f"{view.__name__}.{name} is a {type(declared).__name__}: use dispatch.api.filters.IdFilter"
            )
            if isinstance(declared, IdFilter):
                checked.append(f"{view.__name__}.{name}")
    assert sorted(checked) == [
        "CallViewSet.plant",
        "InterventionViewSet.call",
        "InterventionViewSet.plant",
        "InterventionViewSet.technician",
        "PlantViewSet.customer",
    ]


@pytest.mark.parametrize(
    "query", ["limit=99999999999999999999", f"limit={MAX_ID + 1}", "limit=²", "offset=²"]
)
def test_paging_with_a_huge_or_foreign_number_is_a_page(client_for, users, plant, query):
    call_logged(users, plant)
    response = no_server_error(client_for("supervisor")).get(f"/api/calls/?{query}")
    assert response.status_code == 200 and len(response.json()["results"]) == 1


# -- JSON --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body", [b"[" * 100_000 + b"]" * 100_000, b'{"notes":' * 3000 + b'"x"' + b"}" * 3000]
)
def test_a_deeply_nested_api_body_is_a_400(client_for, users, body):
    response = no_server_error(client_for("operator")).post(
        "/api/calls/", body, content_type="application/json"
    )
    assert response.status_code == 400 and "nested" in response.json()["detail"]
    assert not Call.objects.exists()


def test_a_deeply_nested_telemetry_message_is_counted_as_rejected(customer):
    plant = PlantFactory(customer=customer, code="MQ-1")
    PlantTelecontrol.objects.create(plant=plant, protocol=Protocol.MQTT)
    listener = TelemetryListener(host="127.0.0.1", port=1, prefix="plants", client_id="inputs-test")
    deep = b'{"measurements": ' + b"[" * 1500 + b"]" * 1500 + b"}"  # within the 8 KB limit
    good = (
        b'{"active": true, "measurements": {"flow": 3}, "ts": "%s"}' % datetime.now(UTC).isoformat().encode()
    )

    listener.on_message("plants/MQ-1/telemetry", deep)
    listener.on_message("plants/MQ-1/telemetry", good)
    listener.flush()

    rejections = dict(TelemetryRejection.objects.values_list("reason", "last_detail"))
    assert (listener.received, listener.applied, listener.rejected) == (2, 1, 1), rejections
    rejection = TelemetryRejection.objects.get()
    assert rejection.reason == RejectionReason.MALFORMED and rejection.count == 1
    assert "nested" in rejection.last_detail
    assert PlantState.objects.get(plant=plant).measurements["flow"]["value"] == 3
