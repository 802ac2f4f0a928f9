"""The teams' pages and API: staff read every team; supervisors change members, area, leader and
backup team through the services; refusals come back on the form (pages) or keyed by field (API);
the change log reads as sentences."""

import pytest

from dispatch.choices import Role
from teams.models import Team, TeamArea, TeamChange, TeamMembership
from teams.services import team_leadership_set, team_member_set
from tests.factories import PlantFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def teams(users):
    north = Team.objects.create(code="north", name="North")
    south = Team.objects.create(code="south", name="South")
    team_member_set(actor=users["supervisor"], team=north, user=users["technician"], role="technician")
    team_leadership_set(actor=users["supervisor"], team=south, leader=None, backup_team=north)
    return {"north": north, "south": south}


def test_the_list_and_a_teams_page(users, teams, browser):
    listed = browser("operator").get("/teams/")
    assert listed.status_code == 200 and "North" in listed.content.decode()
    page = browser("operator").get(f"/teams/{teams['north'].pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and "technician in the team as Technician." in html
    assert "Add the member" not in html  # operators read
    assert browser("technician").get("/teams/").status_code == 403


def test_a_supervisor_changes_a_team_through_the_pages(users, teams, browser):
    boss, north = browser("supervisor"), teams["north"]
    assert (
        boss.post(
            f"/teams/{north.pk}/members/", {"user": users["operator"].pk, "role": "operator"}
        ).status_code
        == 302
    )
    assert TeamMembership.objects.filter(team=north, user=users["operator"], role="operator").exists()
    # An operator as a technician: the service refuses, the form says why.
    refused = boss.post(f"/teams/{north.pk}/members/", {"user": users["operator"].pk, "role": "technician"})
    assert refused.status_code == 400 and "is not an active Technician" in refused.content.decode()
    plant = PlantFactory(code="MI-7")
    assert boss.post(f"/teams/{north.pk}/areas/", {"kind": "plant", "plant": "MI-7"}).status_code == 302
    bad = boss.post(f"/teams/{north.pk}/areas/", {"kind": "province", "name": "Milano"})
    assert bad.status_code == 400 and "two-letter code" in bad.content.decode()
    area = TeamArea.objects.get(team=north, plant=plant)
    assert boss.post(f"/teams/{north.pk}/areas/{area.pk}/delete/").status_code == 302
    # North falling back on South, which falls back on North: refused.
    ring = boss.post(
        f"/teams/{north.pk}/leadership/", {"leader": users["technician"].pk, "backup_team": teams["south"].pk}
    )
    assert ring.status_code == 400 and "falls back on this team" in ring.content.decode()
    assert (
        boss.post(
            f"/teams/{north.pk}/leadership/", {"leader": users["technician"].pk, "backup_team": ""}
        ).status_code
        == 302
    )
    north.refresh_from_db()
    assert north.leader == users["technician"]
    # The leader cannot leave before another leads: a message, nothing changed.
    kept = boss.post(f"/teams/{north.pk}/members/{users['technician'].pk}/delete/", follow=True)
    assert "Choose another leader" in kept.content.decode()
    assert boss.post(f"/teams/{north.pk}/members/{users['operator'].pk}/delete/").status_code == 302
    history = boss.get(f"/teams/{north.pk}/").content.decode()
    assert "operator left the team." in history and "Area removed: Plant" in history
    assert TeamChange.objects.filter(team=north).count() >= 6


def test_the_teams_api(users, teams, client_for):
    north, south = teams["north"], teams["south"]
    rows = client_for("operator").get("/api/teams/").json()
    assert [r["code"] for r in rows] == ["north", "south"]
    assert rows[0]["members"][0]["username"] == "technician" and rows[1]["backup_team"] == north.pk
    tech = UserFactory(username="tech3", role=Role.TECHNICIAN)
    assert (
        client_for("operator")
        .post(f"/api/teams/{north.pk}/members/", {"user": tech.pk, "role": "technician"}, format="json")
        .status_code
        == 403
    )
    added = client_for("supervisor").post(
        f"/api/teams/{north.pk}/members/", {"user": tech.pk, "role": "technician"}, format="json"
    )
    assert added.status_code == 200 and "tech3" in [m["username"] for m in added.json()["members"]]
    wrong = client_for("supervisor").post(
        f"/api/teams/{north.pk}/areas/", {"kind": "province", "name": "Lombardy"}, format="json"
    )
    assert wrong.status_code == 400 and "name" in wrong.json()
    area = client_for("supervisor").post(
        f"/api/teams/{north.pk}/areas/", {"kind": "province", "name": "mi"}, format="json"
    )
    assert area.status_code == 201 and area.json()["name"] == "MI"
    assert (
        client_for("supervisor").delete(f"/api/teams/{north.pk}/areas/{area.json()['id']}/").status_code
        == 204
    )
    ring = client_for("supervisor").put(
        f"/api/teams/{north.pk}/leadership/", {"leader": None, "backup_team": south.pk}, format="json"
    )
    assert ring.status_code == 400 and "backup_team" in ring.json()
    assert client_for("supervisor").delete(f"/api/teams/{north.pk}/members/{tech.pk}/").status_code == 204
    changes = client_for("operator").get(f"/api/teams/{north.pk}/changes/").json()
    assert changes[0]["summary"] == "tech3 left the team." and changes[0]["what"] == "member"
    assert client_for("technician").get("/api/teams/").status_code == 403
    assert client_for("operator").get("/api/teams/999999/").status_code == 404
