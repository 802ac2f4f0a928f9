"""The chains over the API: a bad chain is a 400 keyed by the field (and the step) at fault, and
nothing is published; only supervisors write."""

import pytest

from escalations.models import EscalationChain, EscalationChainVersion

pytestmark = pytest.mark.django_db

GOOD = {"delay_minutes": 5, "target": "team_leader", "channel": "sms"}


@pytest.fixture
def chain():
    return EscalationChain.objects.get(case_type__isnull=True, priority=1)


def publish(client_for, chain, steps, who="supervisor"):
    return client_for(who).post(
        f"/api/escalations/chains/{chain.pk}/publish/", {"steps": steps}, format="json"
    )


def versions(chain):
    return EscalationChainVersion.objects.filter(chain=chain).count()


@pytest.mark.parametrize(
    ("steps", "errors"),
    [
        ([GOOD, {**GOOD, "delay_minutes": -1}], {"1": {"delay_minutes"}}),
        ([{**GOOD, "target": "the_mayor"}], {"0": {"target"}}),
        ([{**GOOD, "channel": "pigeon"}], {"0": {"channel"}}),
        ([GOOD, GOOD, {"target": "team_leader", "channel": "sms"}], {"2": {"delay_minutes"}}),
    ],
    ids=["negative delay", "unknown target", "unknown channel", "no delay"],
)
def test_a_bad_step_is_a_400_keyed_by_the_step_and_field(users, client_for, chain, steps, errors):
    """The errors name the step (its index in ``steps``) and its field; nothing is published."""
    before = versions(chain)
    response = publish(client_for, chain, steps)
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"steps"}
    assert {index: set(fields) for index, fields in body["steps"].items()} == errors
    for fields in body["steps"].values():
        assert all(
            isinstance(message, str) and message for messages in fields.values() for message in messages
        )
    assert versions(chain) == before


def test_no_steps_is_a_400_on_steps(users, client_for, chain):
    before = versions(chain)
    response = publish(client_for, chain, [])
    assert response.status_code == 400
    assert "steps" in response.json()
    assert "at least one step" in str(response.json()["steps"])
    assert versions(chain) == before


def test_a_reassigning_step_to_someone_not_on_call_is_a_400_naming_the_step(users, client_for, chain):
    response = publish(client_for, chain, [GOOD, {**GOOD, "target": "team_leader", "reassign": True}])
    assert response.status_code == 400
    assert "Step 2" in str(response.json()["steps"])


def test_a_new_chain_with_bad_fields_is_a_400_per_field(users, client_for):
    api = client_for("supervisor")
    response = api.post(
        "/api/escalations/chains/",
        {"name": "", "case_type": "nonsense", "priority": 9, "steps": []},
        format="json",
    )
    assert response.status_code == 400
    assert {"name", "priority"} <= set(response.json())
    # A chain for a combination that has one already: refused on the priority.
    response = api.post(
        "/api/escalations/chains/", {"name": "Again", "priority": 1, "steps": [GOOD]}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"priority"}


def test_a_good_publish_is_the_next_version(users, client_for, chain):
    response = publish(client_for, chain, [GOOD])
    assert response.status_code == 201
    assert response.json()["version"] == 2
    assert response.json()["steps"] == [{**GOOD, "reassign": False}]


@pytest.mark.parametrize("who", ["operator", "technician", "utility", "norole"])
def test_only_supervisors_publish_or_create(users, client_for, chain, who):
    before = versions(chain)
    assert publish(client_for, chain, [GOOD], who=who).status_code == 403
    response = client_for(who).post(
        "/api/escalations/chains/", {"name": "Mine", "priority": 2, "steps": [GOOD]}, format="json"
    )
    assert response.status_code == 403
    assert versions(chain) == before
