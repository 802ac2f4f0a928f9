"""The on-call API: rotas read and written by the leader or a supervisor, spans, covers (an
override, a swap asked, decided, withdrawn), who is on call now; 400 keyed by field, 403 by role,
404 outside one's teams, 409 for a swap already decided."""

from datetime import time, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from dispatch.services.api_tokens import api_token_issue
from oncall.models import RotaCover
from oncall.services import rota_save

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=user).token}")
    return client


@pytest.fixture
def running(users, north):
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday() + 21)
    return rota_save(
        actor=users["supervisor"], team=north, name="Gas", handover_weekday=0, handover_time=time(0, 0),
        starts_on=monday, members=north.people,
    )  # fmt: skip


def test_rotas_are_written_by_the_leader_and_read_by_staff(users, north, client_for):
    anna, bruno, carla = north.people
    body = {"team": north.pk, "name": "Lifts", "handover_weekday": 4, "handover_time": "20:00",
            "starts_on": "2026-11-06", "members": [carla.pk, anna.pk]}  # fmt: skip
    assert client_for("operator").post("/api/oncall/rotas/", body, format="json").status_code == 403
    assert api(bruno).post("/api/oncall/rotas/", body, format="json").status_code == 403
    created = api(anna).post("/api/oncall/rotas/", body, format="json")
    assert created.status_code == 201 and created.json()["members"] == [carla.pk, anna.pk]
    pk = created.json()["id"]
    bad = api(anna).put(
        f"/api/oncall/rotas/{pk}/", {**body, "members": [], "handover_weekday": 9}, format="json"
    )
    assert bad.status_code == 400 and set(bad.json()) >= {"handover_weekday"}
    twice = api(anna).put(f"/api/oncall/rotas/{pk}/", {**body, "members": [anna.pk, anna.pk]}, format="json")
    assert twice.status_code == 400 and "members" in twice.json()
    assert client_for("operator").get(f"/api/oncall/rotas/{pk}/").json()["name"] == "Lifts"
    assert client_for("technician").get(f"/api/oncall/rotas/{pk}/").status_code == 404
    assert client_for("utility").get("/api/oncall/rotas/").status_code == 403


def test_a_swap_through_the_api(users, north, running, client_for):
    anna, bruno, _carla = north.people
    start = timezone.now() + timedelta(hours=1)
    body = {
        "taker": bruno.pk,
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(),
    }
    asked = api(anna).post(f"/api/oncall/rotas/{running.pk}/swaps/", body, format="json")
    assert asked.status_code == 201 and asked.json()["status"] == "requested"
    cover = asked.json()["id"]
    assert (
        api(bruno).post(f"/api/oncall/covers/{cover}/decide/", {"approve": True}, format="json").status_code
        == 403
    )
    decided = client_for("supervisor").post(
        f"/api/oncall/covers/{cover}/decide/", {"approve": True}, format="json"
    )
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    again = client_for("supervisor").post(
        f"/api/oncall/covers/{cover}/decide/", {"approve": False}, format="json"
    )
    assert again.status_code == 409
    spans = (
        client_for("operator")
        .get(
            f"/api/oncall/rotas/{running.pk}/spans/",
            {"from": start.isoformat(), "to": (start + timedelta(hours=2)).isoformat()},
        )
        .json()
    )
    assert [(s["user"], s["source"]) for s in spans] == [(bruno.pk, "swap")]
    withdrawn = api(anna).post(f"/api/oncall/covers/{cover}/withdraw/")
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert RotaCover.objects.get(pk=cover).status == "withdrawn"


def test_an_override_and_who_is_on_call_now(users, north, running, client_for):
    carla = north.people[2]
    now = timezone.now()
    body = {"user": carla.pk, "starts_at": (now - timedelta(minutes=5)).isoformat(),
            "ends_at": (now + timedelta(hours=1)).isoformat(), "reason": "Cover"}  # fmt: skip
    wrong = client_for("supervisor").post(
        f"/api/oncall/rotas/{running.pk}/overrides/", {**body, "ends_at": body["starts_at"]}, format="json"
    )
    assert wrong.status_code == 400 and "ends_at" in wrong.json()
    assert (
        client_for("operator")
        .post(f"/api/oncall/rotas/{running.pk}/overrides/", body, format="json")
        .status_code
        == 403
    )
    made = client_for("supervisor").post(f"/api/oncall/rotas/{running.pk}/overrides/", body, format="json")
    assert made.status_code == 201
    now_rows = client_for("operator").get("/api/oncall/now/").json()
    assert [(r["team"], r["on_call"]) for r in now_rows] == [(north.pk, [carla.pk])]
    covers = client_for("operator").get(f"/api/oncall/rotas/{running.pk}/covers/").json()
    assert [c["kind"] for c in covers] == ["override"]
