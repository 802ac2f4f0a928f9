"""The supervisors' routing setup: rules published as versions, tried on sample calls, the
catalogue kept; through the services, the pages and the API."""

from datetime import datetime, time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from routing.models import Queue, RoutingRule, RuleSetVersion, SetupChange
from routing.rules import rule_matches, version_active, version_rules
from routing.services import catalogue, rulesets
from tests.routing.helpers import ask, operator
from tests.routing.setup_world import LIFTS_FALLBACK, NIGHT_CENTRE, routing_setup, versions

pytestmark = pytest.mark.django_db

WEDNESDAY_10 = (2026, 12, 9, 10, 0)
IMMACOLATA_10 = (2026, 12, 8, 10, 0)  # a Tuesday, a public holiday in Italy
WEDNESDAY_22 = (2026, 12, 9, 22, 0)
SAMPLE = {
    "sample-line": "800100",
    "sample-date": "2026-12-09",
    "sample-time": "18:30",
    "sample-number": "0612345678",
}


def local(*parts) -> datetime:
    return timezone.make_aware(datetime(*parts))


@pytest.fixture
def world(users, customer):
    return routing_setup(supervisor=users["supervisor"], customer=customer, manager=users["operator"])


def tried(**kwargs):
    defaults = {"sample_line": "800100", "number": "+390612345678"}
    return rulesets.rule_test(**{**defaults, **kwargs})


# ----------------------------------------------------------------------------------------------
# Publishing


def test_publishing_makes_a_new_version_and_leaves_the_old_one_as_it_was(users, world):
    first = world["version"]
    old_rules = [(rule.pk, rule.position, rule.name, rule.queue_id) for rule in version_rules(first)]
    edited = [rulesets.rule_as_dict(rule) for rule in version_rules(first)]
    edited[2]["time_to"] = time(20)
    edited.insert(0, edited.pop(4))  # the forward first: everything on the gas line goes out

    second = rulesets.ruleset_publish(actor=users["supervisor"], rules=edited, note="Longer hours")

    assert versions() == [1, 2] and version_active() == second
    assert second.published_by == users["supervisor"] and second.note == "Longer hours"
    new_rules = version_rules(second)
    assert [rule.position for rule in new_rules] == [1, 2, 3, 4, 5, 6, 7]
    assert new_rules[0].name == "Gas line off hours: Centro Sud" and new_rules[3].time_to == time(20)
    assert {rule.pk for rule in new_rules}.isdisjoint(pk for pk, *_ in old_rules)
    first.refresh_from_db()
    assert [(rule.pk, rule.position, rule.name, rule.queue_id) for rule in version_rules(first)] == old_rules
    assert version_rules(first)[2].time_to == time(18)


def test_the_router_follows_the_newest_version(groups, users, world):
    operator("anna").skills.set([world["gas"]])
    past_wednesday_22 = local(2025, 12, 10, 22, 0)  # the phone system's times are never in the future
    assert ask("c-1", line="800100", at=past_wednesday_22)["uri"] == NIGHT_CENTRE
    rules = [rulesets.rule_as_dict(rule) for rule in version_rules(world["version"])]
    rules[2].update(time_from=None, time_to=None, weekdays=[], holidays="any")  # gas line: round the clock
    rulesets.ruleset_publish(actor=users["supervisor"], rules=rules, note="Gas desk open all night")
    answer = ask("c-2", line="800100", at=past_wednesday_22)
    assert answer["action"] == "offer" and answer["agent"] == "anna"


def test_only_supervisors_publish(users, world):
    for role in ("operator", "technician", "utility", "norole"):
        with pytest.raises(PermissionDenied):
            rulesets.ruleset_publish(actor=users[role], rules=world["rules"], note="mine")
    assert versions() == [1]


def test_every_faulty_rule_is_refused_by_index_and_field_and_nothing_is_published(users, world):
    rules = [
        {"name": "No queue"},
        {"name": "Bad window", "queue": world["gas_queue"].pk, "time_from": "25:00", "time_to": "08:00"},
        {"name": "Empty window", "queue": world["gas_queue"].pk, "time_from": time(8), "time_to": time(8)},
        {"name": "Bad days", "queue": world["gas_queue"].pk, "weekdays": [1, 7]},
        {"name": "Bad prefix", "queue": world["gas_queue"].pk, "number_prefix": "06-49"},
        {"name": "Forward nowhere", "action": "forward"},
        {"name": "Forward badly", "action": "forward", "forward_to": "call the night desk"},
        {"name": "Ghost queue", "queue": 999999},
        {"name": "", "queue": world["gas_queue"].pk, "priority": 5000, "holidays": "sometimes"},
        {"name": "A language is no service", "queue": world["gas_queue"].pk, "service": world["gas"].pk + 99},
    ]
    with pytest.raises(ValidationError) as refused:
        rulesets.ruleset_publish(actor=users["supervisor"], rules=rules, note="All wrong")
    errors = refused.value.message_dict
    assert set(errors) == {
        "rules.0.queue", "rules.1.time_from", "rules.2.time_to", "rules.3.weekdays", "rules.4.number_prefix",
        "rules.5.forward_to", "rules.6.forward_to", "rules.7.queue", "rules.8.name", "rules.8.priority",
        "rules.8.holidays", "rules.9.service",
    }  # fmt: skip
    assert versions() == [1]


def test_a_note_is_required_and_a_forward_may_use_the_lines_fallback(users, world):
    with pytest.raises(ValidationError) as refused:
        rulesets.ruleset_publish(actor=users["supervisor"], rules=world["rules"], note="  ")
    assert set(refused.value.message_dict) == {"note"}
    version = rulesets.ruleset_publish(
        actor=users["supervisor"],
        rules=[{"name": "Lifts out", "line": world["lifts_line"].pk, "action": "forward",
                "queue": world["lifts_queue"].pk}],
        note="Lifts go out",
    )  # fmt: skip
    (rule,) = version_rules(version)
    # A forward keeps no queue: the form may still hold one.
    assert rule.action == "forward" and rule.queue is None and rule.forward_to == ""


def test_restore_publishes_a_copy_of_an_old_version(users, world):
    rulesets.ruleset_publish(actor=users["supervisor"], rules=world["rules"][:2], note="Trimmed")
    restored = rulesets.ruleset_restore(actor=users["supervisor"], version=world["version"])
    assert versions() == [1, 2, 3] and restored.note == "Restored version 1"
    assert [rule.name for rule in version_rules(restored)] == [
        rule.name for rule in version_rules(world["version"])
    ]
    assert RoutingRule.objects.filter(version=world["version"]).count() == 7


# ----------------------------------------------------------------------------------------------
# Testing rules against a sample call


def test_a_sample_call_names_the_matching_rule_and_why_each_earlier_one_failed(world):
    result = tried(at=local(*WEDNESDAY_10))
    assert result.matched == 2 and result.rule.name == "Gas line, business hours"
    assert result.caller_class.code == "silver"
    first, second, third, fourth = result.checks[:4]
    assert [name for name, _why in first.failures] == ["caller_class"]
    assert "the caller is Silver, the rule is for VIP" in first.failures[0][1]
    assert [name for name, _why in second.failures] == ["caller_class"]
    assert third.matched and third.failures == []
    assert not fourth.reached and fourth.failures == []


def test_the_class_comes_from_the_class_rules_and_a_vip_matches_first(world):
    result = tried(at=local(*WEDNESDAY_22), number="+390611122233")
    assert result.caller_class.code == "vip" and result.class_reason == "number +390611122233"
    assert result.matched == 0
    hospital = tried(at=local(*WEDNESDAY_22), number="+390649001234")
    assert hospital.caller_class.code == "critical" and hospital.matched == 1


def test_off_hours_and_holidays_are_explained(world):
    night = tried(at=local(*WEDNESDAY_22))
    assert night.rule.name == "Gas line off hours: Centro Sud"
    business = dict(night.checks[2].failures)
    assert business == {"time": "22:00 is outside 08:00–18:00"}
    saturday = dict(night.checks[3].failures)
    assert set(saturday) == {"weekdays", "time"} and "Wednesday" in saturday["weekdays"]

    holiday = tried(at=local(*IMMACOLATA_10))
    assert holiday.rule.name == "Gas line off hours: Centro Sud"
    assert dict(holiday.checks[2].failures) == {
        "holidays": "2026-12-08 is a public holiday; the rule is for working days only"
    }


def test_a_window_across_midnight_and_the_other_line(users, world):
    rules = [
        {"name": "Night desk", "time_from": time(22), "time_to": time(6), "queue": world["gas_queue"].pk},
        *world["rules"],
    ]
    assert tried(at=local(2026, 12, 10, 5, 59), rules=rules).matched == 0
    day = tried(at=local(2026, 12, 10, 6, 0), rules=rules)
    assert day.rule.name == "Gas line off hours: Centro Sud" and dict(day.checks[0].failures) == {
        "time": "06:00 is outside 22:00–06:00"
    }
    lifts = tried(sample_line="800200", at=local(*WEDNESDAY_10), rules=rules)
    assert lifts.rule.name == "Lifts line, business hours"
    assert dict(lifts.checks[3].failures) == {
        "line": "the call came in on line 800200, the rule is for 800100"
    }
    # A draft is validated as a publish is, and nothing is written.
    with pytest.raises(ValidationError) as refused:
        tried(at=local(*WEDNESDAY_10), rules=[{"name": "x"}])
    assert set(refused.value.message_dict) == {"rules.0.queue"}
    assert versions() == [1]


def test_the_explanation_and_the_router_never_disagree(world):
    """``rule_matches`` (the router) is "no failures" (the editor), at every hour of a week."""
    rules = version_rules(world["version"])
    for day in range(7, 14):
        for hour in range(0, 24, 3):
            result = tried(at=local(2026, 12, day, hour, 30))
            for check in result.checks:
                if check.reached:
                    assert rule_matches(rules[check.position - 1], result.sample) == check.matched


# ----------------------------------------------------------------------------------------------
# The catalogue


def test_catalogue_changes_are_kept_with_before_and_after(users, world):
    queue = world["gas_queue"]
    catalogue.queue_save(
        actor=users["supervisor"], queue=queue, offer_timeout_seconds=20,
        overflow_queue=world["lifts_queue"], overflow_after_seconds=90,
    )  # fmt: skip
    change = SetupChange.objects.filter(model="routing.queue", object_id=queue.pk).first()
    assert change.action == "changed" and change.actor == users["supervisor"]
    assert change.before["offer_timeout_seconds"] == 15 and change.after["offer_timeout_seconds"] == 20
    assert (
        change.before["overflow_queue"] is None and change.after["overflow_queue"] == world["lifts_queue"].pk
    )
    assert change.after["skills"] == [world["gas"].pk]


def test_catalogue_writes_are_validated_by_field_and_for_supervisors_only(users, world):
    supervisor = users["supervisor"]
    with pytest.raises(PermissionDenied):
        catalogue.line_save(actor=users["operator"], line=world["gas_line"], name="Mine")
    with pytest.raises(ValidationError) as refused:
        catalogue.queue_save(actor=supervisor, queue=world["lifts_queue"], overflow_queue=world["gas_queue"])
    assert set(refused.value.message_dict) == {"overflow_after_seconds"}
    catalogue.queue_save(
        actor=supervisor,
        queue=world["gas_queue"],
        overflow_queue=world["lifts_queue"],
        overflow_after_seconds=60,
    )
    with pytest.raises(ValidationError) as refused:
        catalogue.queue_save(
            actor=supervisor,
            queue=world["lifts_queue"],
            overflow_queue=world["gas_queue"],
            overflow_after_seconds=60,
        )
    assert set(refused.value.message_dict) == {"overflow_queue"}
    with pytest.raises(ValidationError) as refused:
        catalogue.caller_class_rule_save(
            actor=supervisor, caller_class=world["classes"]["gold"], kind="number", prefix="06"
        )
    assert set(refused.value.message_dict) == {"number", "prefix"}
    with pytest.raises(ValidationError) as refused:
        catalogue.team_save(actor=supervisor, code="second", name="Second line", is_second_line=True)
    assert set(refused.value.message_dict) == {"consult_number"}
    with pytest.raises(ValidationError) as refused:
        catalogue.operator_profile_save(actor=supervisor, user=users["technician"], extension="201")
    assert set(refused.value.message_dict) == {"user"}
    profile = catalogue.operator_profile_save(
        actor=supervisor, user=users["operator"], sip_uri="sip:operator@pbx.example.net",
        skills=[world["gas"]], lines=[world["gas_line"]], wrap_up_seconds=45,
    )  # fmt: skip
    assert profile.state == "signed_off" and list(profile.lines.all()) == [world["gas_line"]]
    with pytest.raises(ValidationError) as refused:
        catalogue.operator_profile_save(actor=supervisor, profile=profile, state="available")
    assert set(refused.value.message_dict) == {"state"}
    assert Queue.objects.get(pk=world["lifts_queue"].pk).overflow_queue is None


# ----------------------------------------------------------------------------------------------
# The pages


def rule_form(world, **fields):
    data = {
        "base": "1", "name": "Gas line, business hours", "line": world["gas_line"].pk,
        "weekdays": ["0", "1", "2", "3", "4"], "time_from": "08:00", "time_to": "19:00",
        "holidays": "working", "action": "queue", "queue": world["gas_queue"].pk, "priority": "0",
        "prefer_personal_manager": "on", "prefer_case_owner": "on", "note": "Gas desk until 19:00",
        "do": "publish", **SAMPLE,
    }  # fmt: skip
    data.update(fields)
    return data


def test_a_supervisor_tests_a_draft_then_publishes_it_through_the_form(browser, world):
    page = browser("supervisor")
    shown = page.get("/routing/rules/3/")
    assert shown.status_code == 200 and shown.context["form"].initial["time_to"] == time(18)

    tested = page.post("/routing/rules/3/", rule_form(world, do="test"))
    assert tested.status_code == 200 and versions() == [1]
    result = tested.context["result"]
    assert result.rule.name == "Gas line, business hours" and result.matched == 2
    assert "Rule 3 “Gas line, business hours” matches." in tested.content.decode()

    published = page.post("/routing/rules/3/", rule_form(world))
    assert published.status_code == 302 and published["Location"] == "/routing/rules/"
    assert versions() == [1, 2]
    active = version_active()
    assert active.note == "Gas desk until 19:00" and version_rules(active)[2].time_to == time(19)
    listing = page.get("/routing/rules/", SAMPLE)
    assert "Version 2 published." in listing.content.decode()
    assert listing.context["result"].matched == 2


def test_a_faulty_rule_is_shown_again_with_its_errors_and_a_stale_form_is_refused(browser, world):
    page = browser("supervisor")
    faulty = page.post("/routing/rules/3/", rule_form(world, queue="", note=""))
    assert faulty.status_code == 400 and faulty.context["form"].errors == {
        "queue": ["A rule that queues the call needs a queue."]
    }
    stale = page.post("/routing/rules/3/", rule_form(world, base="0"))
    assert stale.status_code == 400 and versions() == [1]


def test_moving_removing_adding_and_restoring_each_publish_a_version(browser, world):
    page = browser("supervisor")
    assert page.post("/routing/rules/2/move/", {"direction": "up"}).status_code == 302
    assert [rule.name for rule in version_rules(version_active())][:2] == [
        "Critical users (hospitals)",
        "VIP callers",
    ]
    assert page.post("/routing/rules/7/remove/").status_code == 302
    assert len(version_rules(version_active())) == 6
    lifts_out = {"base": "3", "name": "Lifts off hours", "line": world["lifts_line"].pk, "action": "forward"}
    added = page.post("/routing/rules/new/", rule_form(world, **lifts_out, queue="", forward_to="", note=""))
    assert added.status_code == 302
    newest = version_active()
    assert newest.number == 4 and newest.note == "Added rule “Lifts off hours”"
    assert (
        version_rules(newest)[-1].forward_to == ""
        and version_rules(newest)[-1].line.fallback_uri == LIFTS_FALLBACK
    )
    first = RuleSetVersion.objects.get(number=1)
    assert page.post(f"/routing/rules/versions/{first.pk}/restore/").status_code == 302
    assert version_active().note == "Restored version 1" and versions() == [1, 2, 3, 4, 5]
    history = page.get("/routing/rules/versions/")
    assert [version.number for version in history.context["versions"]] == [5, 4, 3, 2, 1]


def test_operators_read_the_rules_but_may_not_change_them(browser, world):
    page = browser("operator")
    listing = page.get("/routing/rules/")
    assert listing.status_code == 200 and "Add a rule" not in listing.content.decode()
    assert page.get(f"/routing/rules/versions/{world['version'].pk}/").status_code == 200
    assert page.post("/routing/rules/3/", rule_form(world)).status_code == 403
    assert page.post("/routing/rules/1/remove/").status_code == 403
    assert page.get("/routing/setup/queues/").status_code == 403
    assert versions() == [1]
    assert browser("technician").get("/routing/rules/").status_code == 403


def test_a_supervisor_edits_the_catalogue_through_its_forms(browser, world):
    page = browser("supervisor")
    queue = world["gas_queue"]
    assert page.get("/routing/setup/queues/").status_code == 200
    saved = page.post(f"/routing/setup/queues/{queue.pk}/", {
        "code": "gas", "name": "Gas emergencies", "skills": [world["gas"].pk], "offer_timeout_seconds": "25",
        "overflow_queue": world["lifts_queue"].pk, "overflow_after_seconds": "", "announcement": "",
    })  # fmt: skip
    assert saved.status_code == 400
    assert "Overflow needs both" in saved.content.decode()
    saved = page.post(
        "/routing/setup/lines/new/", {"number": "800300", "name": "Water", "fallback_uri": "sip:x"}
    )
    assert saved.status_code == 400
    saved = page.post(
        "/routing/setup/lines/new/", {"number": "800300", "name": "Water", "fallback_uri": "+390200"}
    )
    assert (
        saved.status_code == 302
        and SetupChange.objects.filter(model="routing.line", action="created").count() == 3
    )
    rule = world["classes"]["vip"].rules.get()
    assert page.post(f"/routing/setup/class-rules/{rule.pk}/delete/").status_code == 302
    assert SetupChange.objects.filter(model="routing.callerclassrule", action="deleted").get().before[
        "number"
    ] == ("+390611122233")
    assert page.post(f"/routing/setup/queues/{queue.pk}/delete/").status_code == 404
    assert "Mayor" in page.get("/routing/setup/").content.decode()


# ----------------------------------------------------------------------------------------------
# The API


def api_rule(world, **fields):
    return {
        "name": "Gas line", "line": world["gas_line"].pk, "weekdays": [0, 1, 2, 3, 4], "time_from": "08:00",
        "time_to": "18:00", "holidays": "working", "queue": world["gas_queue"].pk, **fields,
    }  # fmt: skip


def test_the_api_lists_publishes_reads_and_tests_versions(client_for, world):
    supervisor = client_for("supervisor")
    listed = client_for("operator").get("/api/routing/rule-versions/")
    assert listed.status_code == 200 and [row["number"] for row in listed.json()["results"]] == [1]

    body = {"note": "API publish", "rules": [api_rule(world), api_rule(world, name="Rest", line=None,
            weekdays=[], time_from=None, time_to=None, holidays="any", action="forward", queue=None,
            forward_to=NIGHT_CENTRE)]}  # fmt: skip
    assert client_for("operator").post("/api/routing/rule-versions/", body, format="json").status_code == 403
    created = supervisor.post("/api/routing/rule-versions/", body, format="json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["number"] == 2 and data["published_by"] == "supervisor"
    assert [(rule["position"], rule["name"], rule["time_from"]) for rule in data["rules"]] == [
        (1, "Gas line", "08:00"),
        (2, "Rest", None),
    ]
    detail = supervisor.get(f"/api/routing/rule-versions/{data['id']}/")
    assert detail.status_code == 200 and detail.json() == data
    old = supervisor.get(f"/api/routing/rule-versions/{world['version'].pk}/").json()
    assert len(old["rules"]) == 7 and old["note"] == "Business hours per line"

    sample = {"line": "800100", "at": local(*WEDNESDAY_22).isoformat(), "number": "0612345678"}
    result = client_for("operator").post("/api/routing/rule-versions/test/", sample, format="json").json()
    assert result["matched_position"] == 2 and result["matched_name"] == "Rest"
    assert result["checks"][0]["failures"] == [{"field": "time", "reason": "22:00 is outside 08:00–18:00"}]
    older = {**sample, "version": world["version"].pk}
    assert (
        supervisor.post("/api/routing/rule-versions/test/", older, format="json").json()["matched_position"]
        == 5
    )


def test_the_api_refuses_bad_rules_with_400(client_for, world):
    supervisor = client_for("supervisor")
    for rules in (
        [api_rule(world, queue=None)],
        [api_rule(world, weekdays=[9])],
        [api_rule(world, queue=2**70)],
        [api_rule(world, time_from="8 o'clock")],
        [api_rule(world, action="forward", line=None, queue=None)],
        "not a list",
    ):
        refused = supervisor.post("/api/routing/rule-versions/", {"note": "x", "rules": rules}, format="json")
        assert refused.status_code == 400, (rules, refused.content)
    assert supervisor.get("/api/routing/rule-versions/99999999999999999999/").status_code == 404
    assert versions() == [1]
