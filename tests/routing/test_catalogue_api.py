"""The catalogue's writes over the API: supervisors create and change each kind of row (and
remove class rules) through the catalogue services, each change kept as a ``SetupChange`` and
seen at once by the router's cached catalogue; the shape refused by the serializers and the
domain by the services, both as 400 field by field; everyone else refused; every answer checked
against the served schema."""

import pytest

from dispatch.choices import Role
from routing.catalogue import catalogue
from routing.models import CallerClass, CallerClassRule, Line, OperatorProfile, Queue, SetupChange, Skill
from teams.models import Team
from tests.factories import UserFactory
from tests.fuzz.wsgi import in_process_wsgi  # noqa: F401  (fixture)
from tests.routing.helpers import operator
from tests.routing.test_api import api, served  # noqa: F401  (served: fixture)

pytestmark = pytest.mark.django_db

NO_SUCH_ID = 987654321


@pytest.fixture(autouse=True)
def cached_for_an_hour(settings):
    """The router's copy of the catalogue outlives the test: a write must make it forget."""
    settings.PRONTO_ROUTING_CATALOGUE_SECONDS = 3600


def kept(row, action: str) -> SetupChange:
    """The one change of ``action`` kept for ``row``."""
    return SetupChange.objects.get(model=row._meta.label_lower, object_id=row.pk, action=action)


def test_caller_classes_are_created_and_changed(users, served):  # noqa: F811
    supervisor = users["supervisor"]
    assert "platinum" not in catalogue().classes_by_code
    body = {"code": "platinum", "name": "Platinum", "rank": 2, "answer_target_seconds": 45}
    created = served(supervisor, "POST", "/api/routing/caller-classes/", json=body)
    assert created.status_code == 201
    platinum = CallerClass.objects.get(code="platinum")
    assert created.json() == {
        "id": platinum.pk, "code": "platinum", "name": "Platinum", "rank": 2, "is_vip": False,
        "is_critical": False, "answer_target_seconds": 45, "rules": [],
    }  # fmt: skip
    assert kept(platinum, "created").actor == supervisor
    assert catalogue().classes_by_code["platinum"].name == "Platinum"

    changed = served(
        supervisor, "PATCH", f"/api/routing/caller-classes/{platinum.pk}/", json={"name": "Plat"}
    )
    assert changed.status_code == 200 and changed.json()["name"] == "Plat" and changed.json()["rank"] == 2
    change = kept(platinum, "changed")
    assert change.before["name"] == "Platinum" and change.after["name"] == "Plat"
    assert catalogue().classes_by_code["platinum"].name == "Plat"

    taken = served(supervisor, "POST", "/api/routing/caller-classes/", json={**body, "name": "Again"})
    assert taken.status_code == 400 and "code" in taken.json()
    assert served(
        supervisor, "PATCH", f"/api/routing/caller-classes/{platinum.pk}/", json={"rank": -1}
    ).json() == {"rank": ["Ensure this value is greater than or equal to 0."]}
    assert CallerClass.objects.filter(code="platinum").count() == 1
    assert SetupChange.objects.filter(model="routing.callerclass").count() == 2


def test_class_rules_are_created_changed_and_removed(users, plant, served):  # noqa: F811
    supervisor, gold = users["supervisor"], CallerClass.objects.get(code="gold")
    assert catalogue().plant_rules == {}
    body = {"caller_class": gold.pk, "kind": "plant", "plant": plant.pk, "note": "Hospital boiler room"}
    created = served(supervisor, "POST", "/api/routing/caller-class-rules/", json=body)
    assert created.status_code == 201
    rule = CallerClassRule.objects.get()
    assert created.json() == {
        "id": rule.pk, "caller_class": gold.pk, "kind": "plant", "number": "", "prefix": "", "customer": None,
        "plant": plant.pk, "personal_manager": None, "note": "Hospital boiler room",
    }  # fmt: skip
    assert kept(rule, "created").after["plant"] == plant.pk
    assert catalogue().plant_rules[plant.pk].caller_class.code == "gold"
    listed = served(supervisor, "GET", f"/api/routing/caller-classes/{gold.pk}/").json()["rules"]
    assert [each["id"] for each in listed] == [rule.pk]

    path = f"/api/routing/caller-class-rules/{rule.pk}/"
    changed = served(supervisor, "PATCH", path, json={"note": "Boiler room"})
    assert changed.status_code == 200 and changed.json()["note"] == "Boiler room"
    assert kept(rule, "changed").before["note"] == "Hospital boiler room"

    removed = served(supervisor, "DELETE", path)
    assert removed.status_code == 204
    assert not CallerClassRule.objects.exists()
    assert kept(rule, "deleted").before["plant"] == plant.pk
    assert catalogue().plant_rules == {}
    assert served(supervisor, "DELETE", path).status_code == 404


def test_class_rules_refused_by_shape_and_by_the_service(users, plant, served):  # noqa: F811
    supervisor, vip = users["supervisor"], CallerClass.objects.get(code="vip")
    path = "/api/routing/caller-class-rules/"

    def refused(body):
        answer = served(supervisor, "POST", path, json=body)
        assert answer.status_code == 400
        return answer.json()

    # The shape: ids of rows that do not exist, a kind that is none.
    assert set(refused({"caller_class": NO_SUCH_ID, "kind": "plant", "plant": NO_SUCH_ID})) == {
        "caller_class",
        "plant",
    }
    assert set(refused({"caller_class": vip.pk, "kind": "horoscope"})) == {"kind"}
    assert set(refused({"caller_class": vip.pk, "kind": "number", "number": "x" * 21})) == {"number"}
    # The service: the kind's own field, and only it; a personal manager who answers calls.
    assert refused({"caller_class": vip.pk, "kind": "number"}) == {
        "number": ["A rule of this kind needs this field."]
    }
    both = refused({"caller_class": vip.pk, "kind": "number", "number": "+39061234", "plant": plant.pk})
    assert both == {"plant": ["Only the field of the rule's kind is kept: leave this empty."]}
    technician = users["technician"]
    manager = {
        "caller_class": vip.pk,
        "kind": "number",
        "number": "+39061234",
        "personal_manager": technician.pk,
    }
    assert refused(manager) == {"personal_manager": ["A personal manager is an operator or a supervisor."]}
    assert not CallerClassRule.objects.exists() and not SetupChange.objects.exists()


def test_skills_teams_and_lines_are_created_and_changed(users, customer, served):  # noqa: F811
    supervisor = users["supervisor"]
    skill = served(
        supervisor, "POST", "/api/routing/skills/", json={"kind": "language", "code": "de", "name": "German"}
    )
    assert skill.status_code == 201
    german = Skill.objects.get(kind="language", code="de")
    assert kept(german, "created").after["name"] == "German"
    twin = served(
        supervisor, "POST", "/api/routing/skills/", json={"kind": "language", "code": "de", "name": "Deutsch"}
    )
    assert twin.status_code == 400 and Skill.objects.filter(code="de").count() == 1
    renamed = served(supervisor, "PATCH", f"/api/routing/skills/{german.pk}/", json={"name": "Deutsch"})
    assert renamed.json() == {"id": german.pk, "kind": "language", "code": "de", "name": "Deutsch"}

    team_path = "/api/routing/teams/"
    second_line = {"code": "gas-experts", "name": "Gas experts", "is_second_line": True}
    assert served(supervisor, "POST", team_path, json=second_line).json() == {
        "consult_number": ["A second-line team needs the number first-line operators dial."]
    }
    team = served(supervisor, "POST", team_path, json={**second_line, "consult_number": "+390200900"})
    assert team.status_code == 201 and catalogue().consult_teams["+390200900"].code == "gas-experts"
    experts = Team.objects.get(code="gas-experts")
    moved = served(supervisor, "PATCH", f"{team_path}{experts.pk}/", json={"consult_number": "sip:gas@pbx"})
    assert moved.status_code == 200 and set(catalogue().consult_teams) == {"sip:gas@pbx"}
    assert kept(experts, "changed").before["consult_number"] == "+390200900"

    line_path = "/api/routing/lines/"
    water = {"number": "800300", "name": "Water", "customer": customer.pk, "fallback_uri": "+390200100"}
    assert set(served(supervisor, "POST", line_path, json={**water, "customer": NO_SUCH_ID}).json()) == {
        "customer"
    }
    assert served(supervisor, "POST", line_path, json={**water, "number": "water"}).json() == {
        "number": ["A line is a number: digits, optionally after a +."]
    }
    created = served(supervisor, "POST", line_path, json=water)
    assert created.status_code == 201 and catalogue().lines["800300"].customer_id == customer.pk
    line = Line.objects.get(number="800300")
    unlinked = served(supervisor, "PATCH", f"{line_path}{line.pk}/", json={"customer": None})
    assert unlinked.status_code == 200 and unlinked.json()["customer"] is None
    assert catalogue().lines["800300"].customer_id is None
    assert kept(line, "changed").after["customer"] is None


def test_queues_are_created_and_changed_and_never_overflow_in_a_circle(users, served):  # noqa: F811
    supervisor = users["supervisor"]
    gas = Skill.objects.create(kind="service", code="gas", name="Gas")
    lifts = Skill.objects.create(kind="service", code="lifts", name="Lifts")
    path = "/api/routing/queues/"
    night = served(supervisor, "POST", path, json={"code": "night", "name": "Night desk"})
    assert night.status_code == 201
    body = {
        "code": "gas", "name": "Gas", "skills": [gas.pk], "offer_timeout_seconds": 20,
        "overflow_queue": night.json()["id"], "overflow_after_seconds": 90,
    }  # fmt: skip
    assert set(served(supervisor, "POST", path, json={**body, "skills": [gas.pk, NO_SUCH_ID]}).json()) == {
        "skills"
    }
    assert set(served(supervisor, "POST", path, json={**body, "overflow_queue": NO_SUCH_ID}).json()) == {
        "overflow_queue"
    }
    assert served(supervisor, "POST", path, json={**body, "overflow_after_seconds": None}).json() == {
        "overflow_after_seconds": ["Overflow needs both a queue and the seconds after which."]
    }
    created = served(supervisor, "POST", path, json=body)
    assert created.status_code == 201 and created.json()["skills"] == [gas.pk]
    queue = Queue.objects.get(code="gas")
    assert kept(queue, "created").after["skills"] == [gas.pk]
    assert catalogue().queue_skills[queue.pk] == (gas.pk,)

    changed = served(supervisor, "PATCH", f"{path}{queue.pk}/", json={"skills": [gas.pk, lifts.pk]})
    assert changed.status_code == 200 and sorted(changed.json()["skills"]) == sorted([gas.pk, lifts.pk])
    assert changed.json()["overflow_queue"] == night.json()["id"]  # a PATCH leaves the rest
    assert catalogue().queue_skills[queue.pk] == tuple(sorted([gas.pk, lifts.pk]))
    # Night overflowing back to gas would go round in a circle.
    circle = {"overflow_queue": queue.pk, "overflow_after_seconds": 60}
    back = served(supervisor, "PATCH", f"{path}{night.json()['id']}/", json=circle)
    assert back.status_code == 400
    assert back.json() == {"overflow_queue": ["Overflow would go round in a circle back to this queue."]}
    assert Queue.objects.get(code="night").overflow_queue is None


def test_operators_profiles_are_created_and_changed_not_their_state(users, served):  # noqa: F811
    supervisor = users["supervisor"]
    gas = Skill.objects.create(kind="service", code="gas", name="Gas")
    line = Line.objects.create(number="800100", name="Gas emergencies")
    team = Team.objects.create(code="north", name="North")
    bruno = UserFactory(username="bruno", role=Role.OPERATOR)
    path = "/api/routing/operators/"
    body = {"user": bruno.pk, "extension": "201", "skills": [gas.pk], "lines": [line.pk]}

    assert set(served(supervisor, "POST", path, json={**body, "user": NO_SUCH_ID}).json()) == {"user"}
    assert set(served(supervisor, "POST", path, json={**body, "team": NO_SUCH_ID}).json()) == {"team"}
    technician = {**body, "user": users["technician"].pk}
    assert served(supervisor, "POST", path, json=technician).json() == {
        "user": ["Only operators and supervisors answer calls."]
    }
    assert served(supervisor, "POST", path, json={**body, "extension": ""}).json() == {
        "sip_uri": ["Give the SIP URI or the extension the phone system rings."]
    }
    created = served(supervisor, "POST", path, json=body)
    assert created.status_code == 201
    profile = OperatorProfile.objects.get(user=bruno)
    shown = created.json()
    assert (shown["username"], shown["extension"], shown["skills"], shown["lines"], shown["state"]) == (
        "bruno", "201", [gas.pk], [line.pk], "signed_off",
    )  # fmt: skip
    assert kept(profile, "created").after["lines"] == [line.pk]
    assert served(supervisor, "POST", path, json=body).status_code == 400  # one profile per user

    detail = f"{path}{profile.pk}/"
    changed = served(supervisor, "PATCH", detail, json={"team": team.pk, "wrap_up_seconds": 60, "lines": []})
    assert changed.status_code == 200
    profile.refresh_from_db()
    assert (profile.team, profile.wrap_up_seconds, list(profile.lines.all()), profile.extension) == (
        team, 60, [], "201",
    )  # fmt: skip
    assert kept(profile, "changed").before["lines"] == [line.pk]

    live = served(supervisor, "PATCH", detail, json={"state": "available", "wrap_up_seconds": 10})
    assert live.status_code == 400 and set(live.json()) == {"state"}
    assert served(supervisor, "PATCH", detail, json={"wrap_up_seconds": 901}).status_code == 400
    profile.refresh_from_db()
    assert (profile.state, profile.wrap_up_seconds) == ("signed_off", 60)
    assert SetupChange.objects.filter(model="routing.operatorprofile").count() == 2


def test_only_supervisors_write(users, plant):
    gold = CallerClass.objects.get(code="gold")
    rule = CallerClassRule.objects.create(caller_class=gold, kind="plant", plant=plant)
    anna = operator("anna")
    writes = [
        ("post", "/api/routing/caller-classes/", {"code": "tin", "name": "Tin", "rank": 9}),
        ("patch", f"/api/routing/caller-classes/{gold.pk}/", {"name": "Golden"}),
        (
            "post",
            "/api/routing/caller-class-rules/",
            {"caller_class": gold.pk, "kind": "prefix", "prefix": "+39"},
        ),
        ("patch", f"/api/routing/caller-class-rules/{rule.pk}/", {"note": "x"}),
        ("delete", f"/api/routing/caller-class-rules/{rule.pk}/", None),
        ("post", "/api/routing/skills/", {"kind": "language", "code": "fr", "name": "French"}),
        ("post", "/api/routing/teams/", {"code": "south", "name": "South"}),
        ("post", "/api/routing/lines/", {"number": "800900", "name": "Lifts"}),
        ("post", "/api/routing/queues/", {"code": "lifts", "name": "Lifts"}),
        ("patch", f"/api/routing/operators/{anna.pk}/", {"wrap_up_seconds": 5}),
    ]
    for role in ("operator", "technician", "utility", "norole"):
        client = api(users[role])
        for method, path, body in writes:
            answer = getattr(client, method)(path, body, format="json")
            assert answer.status_code == 403, (role, method, path)
    for method, path, body in writes:
        assert getattr(api(None), method)(path, body, format="json").status_code == 401
    assert not SetupChange.objects.exists()
    assert CallerClassRule.objects.filter(pk=rule.pk).exists()
    # Reads stay the staff's.
    assert api(users["operator"]).get(f"/api/routing/caller-class-rules/{rule.pk}/").status_code == 200
    assert api(users["technician"]).get("/api/routing/caller-class-rules/").status_code == 403


def test_rows_are_changed_not_replaced(users, served):  # noqa: F811
    """PUT is not served (405), as for calls: a PATCH sends what changes, the rest stays."""
    supervisor, gold = users["supervisor"], CallerClass.objects.get(code="gold")
    whole = {"code": "gold", "name": "Gold", "rank": 3}
    assert served(supervisor, "PATCH", f"/api/routing/caller-classes/{gold.pk}/", json={}).status_code == 200
    client = api(supervisor)
    assert client.put(f"/api/routing/caller-classes/{gold.pk}/", whole, format="json").status_code == 405
    assert client.delete(f"/api/routing/caller-classes/{gold.pk}/").status_code == 405
    assert (
        client.patch(f"/api/routing/caller-classes/{NO_SUCH_ID}/", {"name": "x"}, format="json").status_code
        == 404
    )
    assert client.patch("/api/routing/caller-classes/gold/", {"name": "x"}, format="json").status_code == 404
