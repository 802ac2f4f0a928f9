"""The clocks over the API: a case typed, read by its technician, paused and resumed."""

from datetime import timedelta

import pytest
from django.utils import timezone

from clocks.models import CaseType
from clocks.services import case_file_set
from dispatch import services
from tests.dispatch.helpers import call_logged

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(users, plant):
    call = call_logged(users, plant, received_at=timezone.now() - timedelta(minutes=50))
    intervention = services.intervention_open(
        actor=users["operator"], plant=plant, call=call, summary="Gas smell"
    )
    return services.intervention_assign(
        actor=users["operator"], intervention=intervention, technician=users["technician"]
    )


def test_a_case_typed_over_the_api_shows_its_clocks_to_its_technician(case, client_for):
    untyped = client_for("technician").get(f"/api/clocks/cases/{case.pk}/")
    assert (
        untyped.status_code == 200 and untyped.json()["case_type"] is None and untyped.json()["clocks"] == []
    )

    typed = client_for("supervisor").post(
        f"/api/clocks/cases/{case.pk}/type/",
        {"case_type": "emergency", "caller_class": "vip", "reach": 40},
        format="json",
    )

    assert typed.status_code == 200, typed.content
    body = client_for("technician").get(f"/api/clocks/cases/{case.pk}/").json()
    assert (body["case_type"], body["caller_class"], body["reach"], body["paused"]) == (
        "emergency",
        "vip",
        40,
        None,
    )
    # 50 minutes after the call: the 15-minute response is late, the 60-minute arrival amber.
    assert [(c["metric"], c["state"]) for c in body["clocks"]] == [
        ("response", "breached"),
        ("arrival", "amber"),
    ]
    types = client_for("operator").get("/api/clocks/case-types/").json()
    emergency = next(t for t in types if t["code"] == "emergency")
    assert {(t["metric"], t["amount"], t["unit"], t["calendar"]) for t in emergency["targets"]} == {
        ("response", 15, "minutes", "always"),
        ("arrival", 60, "minutes", "always"),
    }


def test_pause_and_resume_over_the_api(case, client_for):
    operator = client_for("operator")
    operator.post(f"/api/clocks/cases/{case.pk}/type/", {"case_type": "emergency"}, format="json")

    paused = operator.post(
        f"/api/clocks/cases/{case.pk}/pause/", {"reason": "access", "note": "Gate"}, format="json"
    )
    again = operator.post(f"/api/clocks/cases/{case.pk}/pause/", {"reason": "parts"}, format="json")
    resumed = operator.post(f"/api/clocks/cases/{case.pk}/resume/")

    assert paused.status_code == 201 and paused.json()["paused"]["reason"] == "access"
    assert [c["state"] for c in paused.json()["clocks"]] == ["breached", "paused"]
    assert again.status_code == 409
    assert resumed.status_code == 200 and resumed.json()["paused"] is None
    assert operator.post(f"/api/clocks/cases/{case.pk}/resume/").status_code == 409


def test_bad_input_is_a_clear_400(case, client_for):
    supervisor = client_for("supervisor")
    unknown_type = supervisor.post(f"/api/clocks/cases/{case.pk}/type/", {"case_type": "nope"}, format="json")
    unknown_class = supervisor.post(
        f"/api/clocks/cases/{case.pk}/type/",
        {"case_type": "incident", "caller_class": "platinum"},
        format="json",
    )
    no_reason = supervisor.post(f"/api/clocks/cases/{case.pk}/pause/", {"reason": "lunch"}, format="json")
    assert unknown_type.status_code == 400 and "case_type" in unknown_type.json()
    assert unknown_class.status_code == 400 and "caller_class" in unknown_class.json()
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    assert supervisor.get("/api/clocks/cases/999999/").status_code == 404


def test_figures_count_met_late_and_running_within_the_users_scope(case, users, other_plant, client_for):
    start = case.call.received_at
    case_file_set(
        actor=users["operator"], intervention=case, case_type=CaseType.objects.get(code="emergency")
    )
    services.intervention_acknowledge(
        actor=users["technician"], intervention=case, at=start + timedelta(minutes=10)
    )
    other = services.intervention_open(actor=users["operator"], plant=other_plant, summary="Other customer")
    case_file_set(
        actor=users["operator"], intervention=other, case_type=CaseType.objects.get(code="emergency")
    )
    # From the call's day: 50 minutes before a run just after midnight is yesterday.
    query = {"date_from": timezone.localdate(start).isoformat(), "date_to": timezone.localdate().isoformat()}

    staff = client_for("supervisor").get("/api/clocks/figures/", query).json()
    mine = client_for("utility").get("/api/clocks/figures/", query).json()

    def tally(rows, metric):
        return [
            (r["clocks"], r["met"], r["late"], r["running"], r["share"])
            for r in rows
            if r["metric"] == metric
        ]

    # Staff: both cases. The first was acknowledged in 10 minutes (met); its arrival, 50 minutes
    # after the call, still runs. The other case's clocks started just now.
    assert tally(staff, "response") == [(2, 1, 0, 1, 1.0)]
    assert tally(staff, "arrival") == [(2, 0, 0, 2, None)]
    # The utility user sees its own customer's case only.
    assert tally(mine, "response") == [(1, 1, 0, 0, 1.0)]
    bad = client_for("supervisor").get("/api/clocks/figures/", {**query, "date_to": "2020-01-01"})
    assert bad.status_code == 400 and "date_to" in bad.json()


def test_figures_are_split_by_the_team_whose_area_covers_the_plant(
    case, users, plant, other_plant, client_for
):
    from teams.choices import AreaKind
    from teams.models import Team
    from teams.services import team_area_add

    boss = users["supervisor"]
    type(plant).objects.filter(pk=plant.pk).update(municipality="Milano", province="MI")
    type(plant).objects.filter(pk=other_plant.pk).update(municipality="Monza", province="MB")
    north, wide = (
        Team.objects.create(code="north", name="North"),
        Team.objects.create(code="wide", name="Wide"),
    )
    team_area_add(actor=boss, team=north, kind=AreaKind.MUNICIPALITY, name="milano")
    team_area_add(actor=boss, team=wide, kind=AreaKind.PROVINCE, name="MI")
    emergency = CaseType.objects.get(code="emergency")
    case_file_set(actor=users["operator"], intervention=case, case_type=emergency)
    other = services.intervention_open(actor=users["operator"], plant=other_plant, summary="Other customer")
    case_file_set(actor=users["operator"], intervention=other, case_type=emergency)
    period = {
        "date_from": timezone.localdate(case.call.received_at).isoformat(),
        "date_to": timezone.localdate().isoformat(),
    }

    rows = client_for("supervisor").get("/api/clocks/figures/", period).json()

    # The municipality's team wins over the province's; a plant no team covers counts under "".
    assert sorted((r["team"], r["clocks"]) for r in rows if r["metric"] == "response") == [
        ("", 1),
        ("north", 1),
    ]
