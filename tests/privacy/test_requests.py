"""People's requests: the export holds every call of the number and nothing of another's; the
erasure erases what no hold or open case keeps, keeps the history verifiable and the calls
grouped by token; refused roles change nothing."""

import datetime as dt
import io
import json

import pytest
from django.core.exceptions import PermissionDenied
from pypdf import PdfReader

from dispatch import selectors
from dispatch.errors import TransitionNotAllowed
from dispatch.models import Call, Event, HistoryImmutableError, PersonalDatum
from privacy.models import AccessLogEntry, PersonalRequest, PersonalRequestStep
from privacy.services.requests import (
    personal_request_erase,
    personal_request_export,
    personal_request_record,
)
from privacy.services.retention import legal_hold_set
from tests.dispatch.helpers import call_logged

from .helpers import ALICE, ALICE_E164, BOB, BOB_E164, two_callers

pytestmark = pytest.mark.django_db

NOTHING_HELD = frozenset()


def held(*subjects):
    """A real predicate: the subjects given are under a legal hold, nothing else."""
    keys = {(type(subject).__name__, subject.pk) for subject in subjects}
    return lambda subject: (type(subject).__name__, subject.pk) in keys


def record(users, kind, who="supervisor", number="02 1234 5678"):
    return personal_request_record(
        actor=users[who], kind=kind, number=number, requester="Alice Rossi",
        identity_check="ID card AX123 seen at the desk",
    )  # fmt: skip


def test_recording_keeps_the_number_and_its_token_until_answered(users, plant, other_plant):
    request = record(users, "access", who="operator", number="0039 02 1234 5678")
    assert request.number == ALICE_E164 and request.caller_token
    assert [step.status for step in request.steps.all()] == ["received"]


def test_the_export_holds_every_call_of_the_number_and_nothing_of_another(users, plant, other_plant, browser):
    world = two_callers(users, plant, other_plant)
    alice_calls = {world[name].pk for name in ("closed", "open_case", "plain", "old")}
    request = personal_request_export(actor=users["operator"], request=record(users, "access"))

    assert set(request.outcome["calls"]) == alice_calls
    assert request.number == "" and request.caller_token == ""
    # Each call exported says so in its own history.
    exported = Event.objects.filter(kind="personal.exported", data__because=f"request:{request.pk}")
    assert {e.call_id for e in exported if e.call_id} == alice_calls
    assert {e.intervention_id for e in exported if e.intervention_id} == {
        world["done"].pk,
        world["running"].pk,
    }

    client = browser("operator")
    response = client.get(f"/privacy/requests/{request.pk}/export.json")
    assert response.status_code == 200
    data = json.loads(response.content)
    assert {call["id"] for call in data["calls"]} == alice_calls
    text = response.content.decode()
    alice_data = (
        "Alice Rossi, flat 3, smells gas", "Alice's door code 4455", "Ring Alice back after the check",
        "Alice asks about the bill", ALICE_E164,
    )  # fmt: skip
    for alice in alice_data:
        assert alice in text
    for bob in ("Bob Bianchi", "Bob's gate code", BOB_E164, "P2"):
        assert bob not in text
    by_id = {call["id"]: call for call in data["calls"]}
    assert by_id[world["old"].pk]["caller_number"] == "(erased)"
    assert [i["id"] for i in by_id[world["closed"].pk]["interventions"]] == [world["done"].pk]
    assert by_id[world["closed"].pk]["plant"]["code"] == "P1"
    assert by_id[world["closed"].pk]["history"][0]["what"] == "call.logged"

    pdf = client.get(f"/privacy/requests/{request.pk}/export.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    pages = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    flat = " ".join(pages.split())
    for pk in alice_calls:
        assert f"Call #{pk}," in flat
    assert "Alice Rossi, flat 3, smells gas" in flat and ALICE_E164 in flat
    assert f"Call #{world['bob'].pk}," not in flat
    for bob in ("Bob Bianchi", "Bob's gate code", BOB_E164):
        assert bob not in flat
    # The history reads as the pages read it (dispatch.timeline), not as raw data.
    assert f"Call logged from {ALICE_E164}." in flat and "Intervention opened, priority" in flat
    assert "call.logged" not in flat and '"after"' not in flat
    # Both downloads are in the access log, filed under Alice's token, the request as reason.
    entries = AccessLogEntry.objects.filter(kind="export", request=request)
    assert entries.count() == 2
    assert {e.caller_token for e in entries} == {world["closed"].caller_token}


def test_erasure_erases_what_no_hold_or_open_case_keeps(users, plant, other_plant):
    world = two_callers(users, plant, other_plant)
    later = call_logged(users, plant, caller_number=ALICE)  # the caller rings again after the erasure
    request = record(users, "erasure")
    request = personal_request_erase(actor=users["supervisor"], request=request, is_held=held(world["plain"]))

    erased = {item["call"] for item in request.outcome["erased"]}
    kept = {item["call"]: item["reason"] for item in request.outcome["kept"]}
    assert erased == {world["closed"].pk, world["old"].pk, later.pk}
    assert kept == {world["open_case"].pk: "open_case", world["plain"].pk: "legal_hold"}
    assert request.number == "" and request.caller_token == ""

    closed = Call.objects.get(pk=world["closed"].pk)
    assert closed.caller_number == "" and closed.notes == "" and closed.personal_erased_at
    because = f"request:{request.pk}"
    assert not PersonalDatum.objects.filter(call=closed, erased_at__isnull=True).exists()
    assert PersonalDatum.objects.filter(intervention=world["done"], erased_because=because).exists()
    assert closed.callbacks.get().note == ""
    # What was kept is whole, and its history says why.
    for name, reason in (("open_case", "open_case"), ("plain", "legal_hold")):
        call = Call.objects.get(pk=world[name].pk)
        assert call.caller_number == ALICE_E164 and call.notes
        assert Event.objects.filter(call=call, kind="personal.erasure_kept", data__reason=reason).exists()
    # Bob's call is untouched.
    bob = Call.objects.get(pk=world["bob"].pk)
    assert bob.caller_number == BOB_E164 and bob.notes == "Bob Bianchi, secret address"
    assert not PersonalDatum.objects.filter(call=bob, erased_at__isnull=False).exists()

    assert selectors.history_verify().problems == []
    # The erased calls still group by token: the latest call finds the earlier ones.
    earlier = {call.pk for call in selectors.call_list_earlier(user=users["operator"], call=later)}
    assert {world["closed"].pk, world["open_case"].pk, world["plain"].pk, world["old"].pk} <= earlier
    assert [step.status for step in PersonalRequestStep.objects.filter(request=request)] == [
        "received",
        "answered",
    ]


def test_a_hold_on_an_intervention_keeps_its_call(users, plant, other_plant):
    world = two_callers(users, plant, other_plant)
    request = personal_request_erase(
        actor=users["supervisor"], request=record(users, "erasure"), is_held=held(world["done"])
    )
    assert {item["call"]: item["reason"] for item in request.outcome["kept"]}[
        world["closed"].pk
    ] == "legal_hold"
    assert Call.objects.get(pk=world["closed"].pk).notes == "Alice Rossi, flat 3, smells gas"


def test_refused_roles_and_second_answers_change_nothing(users, plant, other_plant, client_for):
    two_callers(users, plant, other_plant)
    for role in ("technician", "utility", "norole"):
        with pytest.raises(PermissionDenied):
            record(users, "access", who=role)
    request = record(users, "erasure", who="operator")
    erased_before = PersonalDatum.objects.filter(erased_at__isnull=False).count()
    with pytest.raises(PermissionDenied):
        personal_request_erase(actor=users["operator"], request=request, is_held=held())
    assert client_for("operator").post(f"/api/privacy/requests/{request.pk}/answer/").status_code == 403
    request.refresh_from_db()
    assert request.status == "received" and request.number == ALICE_E164
    assert PersonalDatum.objects.filter(erased_at__isnull=False).count() == erased_before

    personal_request_erase(actor=users["supervisor"], request=request, is_held=held())
    with pytest.raises(TransitionNotAllowed):
        personal_request_erase(actor=users["supervisor"], request=request, is_held=held())
    with pytest.raises(HistoryImmutableError):
        PersonalRequest.objects.filter(pk=request.pk).delete()
    request.refresh_from_db()
    request.requester = "Someone else"
    with pytest.raises(HistoryImmutableError):
        request.save()


def test_erasure_through_the_api_keeps_what_a_legal_hold_covers(users, plant, other_plant, client_for):
    world = two_callers(users, plant, other_plant)
    legal_hold_set(
        actor=users["supervisor"], reason="Claim", until=dt.date(2099, 12, 31), call=world["plain"]
    )
    request = record(users, "erasure")
    response = client_for("supervisor").post(f"/api/privacy/requests/{request.pk}/answer/")
    assert response.status_code == 200
    assert {item["call"]: item["reason"] for item in response.json()["outcome"]["kept"]}[
        world["plain"].pk
    ] == "legal_hold"
    assert Call.objects.get(pk=world["closed"].pk).caller_number == ""
    assert Call.objects.get(pk=world["plain"].pk).caller_number == ALICE_E164


def test_the_api_records_answers_and_exports(users, plant, other_plant, client_for):
    world = two_callers(users, plant, other_plant)
    api = client_for("operator")
    created = api.post(
        "/api/privacy/requests/",
        {"kind": "access", "number": BOB, "requester": "Bob Bianchi", "identity_check": "Passport"},
        format="json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert api.get(f"/api/privacy/requests/{pk}/export/").status_code == 404  # not answered yet
    assert api.post(f"/api/privacy/requests/{pk}/answer/").status_code == 200
    assert api.post(f"/api/privacy/requests/{pk}/answer/").status_code == 409
    export = api.get(f"/api/privacy/requests/{pk}/export/")
    assert [call["id"] for call in export.json()["calls"]] == [world["bob"].pk]
    assert "Alice" not in export.content.decode()
    assert client_for("technician").get("/api/privacy/requests/").status_code == 403
