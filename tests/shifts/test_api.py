"""The shifts over the API: the list's filters and bounds, writes by the leader and the
supervisor only, overlaps and bad input as 400s keyed by field, who is on now, coverage."""

from datetime import date, time, timedelta

import pytest
from django.utils import timezone

from shifts.models import LineCoverageMinimum, Shift
from shifts.services import shift_save

pytestmark = pytest.mark.django_db


def body(crew, **changes):
    shift = {"user": crew["members"][1].pk, "team": crew["team"].pk, "day": "2026-10-24", "start": "19:00"}
    return {**shift, "end": "07:00", "break_minutes": 20, "lines": [crew["gas"].pk], "note": "", **changes}


def test_the_leader_sets_a_night_shift_that_lasts_13_hours_when_the_clocks_go_back(crew, client_for):
    answer = client_for("operator").post("/api/shifts/", body(crew), format="json")
    assert answer.status_code == 201, answer.content
    data = answer.json()
    assert data["real_minutes"] == 13 * 60 and data["overnight"] is True and data["source"] == "manual"
    assert data["starts_at"].startswith("2026-10-24T19:00:00+02:00")
    assert data["ends_at"].startswith("2026-10-25T07:00:00+01:00")
    assert data["lines"] == [crew["gas"].pk]


def test_writes_are_refused_to_an_operator_who_does_not_lead_and_bad_input_is_keyed_by_field(
    crew, client_for, users
):
    crew["team"].leader = None
    crew["team"].save()
    assert client_for("operator").post("/api/shifts/", body(crew), format="json").status_code == 403
    supervisor = client_for("supervisor")
    created = supervisor.post("/api/shifts/", body(crew), format="json")
    assert created.status_code == 201
    clash = supervisor.post(
        "/api/shifts/", body(crew, day="2026-10-25", start="06:00", end="14:00"), format="json"
    )
    assert clash.status_code == 400 and set(clash.json()) == {"start"}
    wrong = supervisor.post(
        "/api/shifts/",
        body(crew, day="1999-01-01", start="25:00", break_minutes=-1, lines=["x"], user=crew["stranger"].pk),
        format="json",
    )
    assert wrong.status_code == 400
    assert {"day", "start", "break_minutes", "lines"} <= set(wrong.json())
    outsider = supervisor.post("/api/shifts/", body(crew, user=crew["stranger"].pk), format="json")
    assert outsider.status_code == 400 and set(outsider.json()) == {"user"}
    pk = created.json()["id"]
    moved = supervisor.put(f"/api/shifts/{pk}/", body(crew, start="20:00", end="06:00"), format="json")
    assert moved.status_code == 200 and moved.json()["real_minutes"] == 11 * 60
    assert client_for("operator").delete(f"/api/shifts/{pk}/").status_code == 403
    assert supervisor.delete(f"/api/shifts/{pk}/").status_code == 204
    assert not Shift.objects.exists()


def test_the_list_filters_and_bounds_and_shows_an_operator_only_their_teams(users, crew, client_for):
    for team, user in ((crew["team"], crew["members"][1]), (crew["other"], crew["stranger"])):
        shift_save(
            actor=users["supervisor"], user=user, team=team, day=date(2026, 6, 3), start=time(8), end=time(17)
        )
    supervisor = client_for("supervisor")
    june = {"from": "2026-06-01", "to": "2026-06-30"}
    assert len(supervisor.get("/api/shifts/", june).json()) == 2
    assert [s["user"] for s in supervisor.get("/api/shifts/", {**june, "team": crew["other"].pk}).json()] == [
        crew["stranger"].pk
    ]
    assert len(supervisor.get("/api/shifts/", {**june, "user": crew["members"][1].pk}).json()) == 1
    assert len(supervisor.get("/api/shifts/", {"from": "2026-07-01", "to": "2026-07-31"}).json()) == 0
    mine = client_for("operator").get("/api/shifts/", june).json()
    assert [s["team"] for s in mine] == [crew["team"].pk]
    too_long = supervisor.get("/api/shifts/", {"from": "2026-01-01", "to": "2026-06-30"})
    assert too_long.status_code == 400 and set(too_long.json()) == {"to"}
    reversed_ = supervisor.get("/api/shifts/", {"from": "2026-06-30", "to": "2026-06-01"})
    assert reversed_.status_code == 400 and set(reversed_.json()) == {"to"}
    assert supervisor.get("/api/shifts/", {"from": "0001-01-01", "to": "0001-01-02"}).status_code == 400
    assert set(supervisor.get("/api/shifts/", {"from": "9999-12-31"}).json()) == {"from"}
    assert supervisor.get("/api/shifts/", {"team": "99999999999999999999"}).status_code == 400
    other = Shift.objects.get(team=crew["other"])
    assert client_for("operator").get(f"/api/shifts/{other.pk}/").status_code == 404
    assert client_for("technician").get("/api/shifts/").status_code == 403


def test_generate_now_and_coverage(users, crew, client_for):
    supervisor = client_for("supervisor")
    answer = supervisor.post(
        "/api/shifts/generate/",
        {"team": crew["team"].pk, "year": 2026, "month": 10, "pattern": "12h-2-2-night"},
        format="json",
    )
    assert answer.status_code == 200 and answer.json() == {"created": 62, "replaced": 0, "kept": 0}
    bad = supervisor.post("/api/shifts/generate/", {"team": crew["team"].pk, "year": 1800, "month": 13,
                                                     "pattern": "nope"}, format="json")  # fmt: skip
    assert bad.status_code == 400 and set(bad.json()) == {"year", "month", "pattern"}
    LineCoverageMinimum.objects.create(line=crew["gas"], from_hour=0, to_hour=24, minimum=3)
    coverage = supervisor.get("/api/shifts/coverage/", {"from": "2026-10-25", "to": "2026-10-25"})
    assert coverage.status_code == 200
    hours = coverage.json()["hours"]
    assert len(hours) == 25
    assert [h["start"][11:16] for h in hours[:4]] == ["00:00", "01:00", "02:00", "02:00"]
    assert hours[2]["start"].endswith("+02:00") and hours[3]["start"].endswith("+01:00")
    # Four operators on 2/2 nights: two each night, 19:00 to 07:00; the minimum of three is never met.
    assert [h["count"] for h in hours[:8]] == [2] * 8
    assert len(coverage.json()["gaps"]) == 25
    refused = supervisor.get("/api/shifts/coverage/", {"from": "2026-01-01", "to": "2026-03-31"})
    assert refused.status_code == 400 and set(refused.json()) == {"to"}
    assert supervisor.get("/api/shifts/coverage/").status_code == 400
    begun = timezone.localtime() - timedelta(hours=1)
    shift_save(actor=users["supervisor"], user=crew["members"][3], team=crew["team"], day=begun.date(),
               start=begun.time().replace(second=0, microsecond=0),
               end=(begun + timedelta(hours=3)).time().replace(second=0, microsecond=0))  # fmt: skip
    now = client_for("operator").get("/api/shifts/now/", {"team": crew["team"].pk, "line": crew["lifts"].pk})
    assert now.status_code == 200
    assert crew["members"][3].pk in [s["user"] for s in now.json()["shifts"]]


def test_patterns_are_listed_and_a_supervisor_adds_one(crew, client_for):
    listed = client_for("operator").get("/api/shifts/patterns/").json()
    night = next(p for p in listed if p["code"] == "12h-2-2-night")
    assert night["days"] == [
        {"index": 0, "start": "19:00", "length_minutes": 720, "break_minutes": 20},
        {"index": 1, "start": "19:00", "length_minutes": 720, "break_minutes": 20},
    ]
    days = [{"index": n, "start": "06:00", "length_minutes": 480, "break_minutes": 30} for n in range(6)]
    body = {"code": "8h-6-1", "name": "8h × 6/1", "cycle_days": 7, "days": days}
    assert client_for("operator").post("/api/shifts/patterns/", body, format="json").status_code == 403
    created = client_for("supervisor").post("/api/shifts/patterns/", body, format="json")
    assert (
        created.status_code == 201 and created.json()["kind"] == "custom" and len(created.json()["days"]) == 6
    )
    weekly_body = {**body, "kind": "five_two", "cycle_days": 5}
    weekly = client_for("supervisor").post("/api/shifts/patterns/", weekly_body, format="json")
    assert weekly.status_code == 400 and set(weekly.json()) == {"cycle_days", "blocks"}
