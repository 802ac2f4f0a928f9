from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dispatch.models import Call, Event, KnownNumber

from .helpers import call_logged

CALL_FIELDS = {
    "id", "caller_number", "received_at", "answered_at", "ended_at", "duration_seconds", "line",
    "operator", "plant", "call_type", "notes",
}  # fmt: skip


def test_create_returns_the_documented_fields_with_offsets(users, plant, client_for):
    response = client_for("operator").post(
        "/api/calls/",
        {
            "caller_number": "02 1234 5678",
            "received_at": "2026-11-23T10:00:00+01:00",
            "answered_at": "2026-11-23T10:00:15+01:00",
            "ended_at": "2026-11-23T10:03:15+01:00",
            "line": "800-900-000",
            "plant": plant.code,
            "call_type": "gas_leak",
            "notes": "Smell of gas in the stairwell",
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert CALL_FIELDS <= set(body)
    assert body["caller_number"] == "+390212345678"
    assert body["received_at"] == "2026-11-23T10:00:00+01:00"
    assert body["duration_seconds"] == 195
    assert body["operator"] == users["operator"].pk and body["plant"] == plant.pk
    assert Event.objects.filter(call_id=body["id"], kind="call.logged").count() == 1


def test_create_with_only_a_number_takes_now_and_the_signed_in_operator(users, client_for):
    before = timezone.now()
    body = client_for("supervisor").post("/api/calls/", {"caller_number": "anonymous"}).json()
    assert body["caller_number"] == ""
    assert body["operator"] == users["supervisor"].pk
    call = Call.objects.get(pk=body["id"])
    assert before <= call.received_at <= timezone.now()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"caller_number": "not a number"}, "caller_number"),
        ({"caller_number": "12"}, "caller_number"),
        ({}, "caller_number"),
        ({"caller_number": "021234567", "received_at": "yesterday"}, "received_at"),
        (
            {
                "caller_number": "021234567",
                "received_at": "2026-11-23T10:00:00Z",
                "ended_at": "2026-11-23T09:59:00Z",
            },
            "ended_at",
        ),
        ({"caller_number": "021234567", "received_at": "2099-01-01T00:00:00Z"}, "received_at"),
        ({"caller_number": "021234567", "plant": 999999}, "plant"),
        ({"caller_number": "021234567", "plant": "NO-SUCH-PLANT"}, "plant"),
        ({"caller_number": "021234567", "notes": "x" * 4001}, "notes"),
        ({"caller_number": "021234567", "line": "x" * 65}, "line"),
        ({"caller_number": "021234567", "call_type": "alien_invasion"}, "call_type"),
        ({"caller_number": "021234567", "operator": "technician"}, "operator"),
        ({"caller_number": "021234567", "operator": "nobody-by-that-name"}, "operator"),
    ],
)
def test_bad_input_gets_400_naming_the_field_and_writes_nothing(payload, field, users, plant, client_for):
    response = client_for("operator").post("/api/calls/", payload)
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not Call.objects.exists() and not Event.objects.exists()


def test_malformed_json_is_a_400(users, client_for):
    response = client_for("operator").post("/api/calls/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert not Call.objects.exists()


def test_patch_completes_the_call_but_not_recorded_fields_once_ended(users, plant, other_plant, client_for):
    received = timezone.now() - timedelta(minutes=5)
    call = call_logged(users, plant, received_at=received, ended_at=received + timedelta(seconds=30))
    client = client_for("operator")
    response = client.patch(
        f"/api/calls/{call.pk}/", {"ended_at": (received + timedelta(seconds=99)).isoformat()}
    )
    assert response.status_code == 400 and "ended_at" in response.json()
    response = client.patch(
        f"/api/calls/{call.pk}/", {"plant": other_plant.pk, "notes": "It was the other cabin"}
    )
    assert response.status_code == 200
    assert response.json()["plant"] == other_plant.pk
    call.refresh_from_db()
    assert call.duration_seconds == 30 and call.ended_at == received + timedelta(seconds=30)


def test_detail_shows_earlier_calls_the_user_may_see(users, plant, other_plant, client_for):
    old_own = call_logged(
        users, plant, caller_number="3331234567", received_at=timezone.now() - timedelta(days=3)
    )
    call_logged(
        users, other_plant, caller_number="3331234567", received_at=timezone.now() - timedelta(days=2)
    )
    latest = call_logged(users, plant, caller_number="3331234567")
    assert len(client_for("operator").get(f"/api/calls/{latest.pk}/").json()["earlier_calls"]) == 2
    earlier = client_for("utility").get(f"/api/calls/{latest.pk}/").json()["earlier_calls"]
    assert [c["id"] for c in earlier] == [old_own.pk]


def test_find_a_call_by_number_in_any_form_and_time(users, plant, client_for):
    when = timezone.now() - timedelta(hours=2)
    target = call_logged(users, plant, caller_number="+39 02 1234 5678", received_at=when)
    call_logged(users, plant, caller_number="+39 02 1234 5678", received_at=when - timedelta(days=1))
    call_logged(users, plant, caller_number="06 5555 1234", received_at=when)
    params = {
        "caller_number": "0039 02-12345678",
        "received_after": (when - timedelta(minutes=5)).isoformat(),
        "received_before": (when + timedelta(minutes=5)).isoformat(),
    }
    results = client_for("operator").get("/api/calls/", params).json()["results"]
    assert [r["id"] for r in results] == [target.pk]
    assert client_for("operator").get("/api/calls/", {"caller_number": "garbage"}).status_code == 400


def test_list_query_count_does_not_grow_with_rows(users, plant, client_for):
    client = client_for("operator")
    call_logged(users, plant)
    client.get("/api/calls/")  # warm caches (content types, token)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/api/calls/").status_code == 200
    for index in range(20):
        call_logged(users, plant, caller_number=f"02 1234 56{index:02d}")
    with CaptureQueriesContext(connection) as many:
        assert len(client.get("/api/calls/").json()["results"]) == 21
    assert len(few) == len(many) == 3  # token+user, count, page (roles come from the cache)


def test_known_number_fills_the_plant_through_the_api(users, plant, client_for):
    KnownNumber.objects.create(number="+390510000101", plant=plant)
    body = client_for("operator").post("/api/calls/", {"caller_number": "+39 051 000 0101"}).json()
    assert body["plant"] == plant.pk and body["plant_match"] == "known_number"


def test_history_is_oldest_first(users, plant, client_for):
    call = call_logged(users, plant)
    client_for("operator").patch(f"/api/calls/{call.pk}/", {"notes": "first"})
    client_for("operator").patch(f"/api/calls/{call.pk}/", {"notes": "second"})
    history = client_for("operator").get(f"/api/calls/{call.pk}/history/").json()
    assert [e["seq"] for e in history] == [1, 2, 3]
    assert [e["data"].get("after", {}).get("notes") for e in history] == ["", "first", "second"]
    assert history[2]["prev_hash"] == history[1]["hash"]
