"""The routing rule editor in a real browser: a supervisor changes a rule, tries the draft on a
sample call, and publishes it as a new version.

Also the screenshot docs/screenshots/rule-editor.png (with PRONTO_SCREENSHOTS=docs/screenshots):
business hours per line, VIPs and critical users first, off-hours calls forwarded to another
centre, and the draft tried on a call at 18:30."""

import re

import pytest
from playwright.sync_api import expect

from routing.rules import version_active, version_rules
from tests.routing.setup_world import routing_setup
from tests.web.test_accessibility import axe_violations
from tests.web.test_whole_flow import shoot

pytestmark = [pytest.mark.real_component, pytest.mark.django_db(transaction=True)]


def test_a_supervisor_edits_a_rule_tests_it_on_a_sample_call_and_publishes_it(signed_in, users, customer):
    routing_setup(supervisor=users["supervisor"], customer=customer, manager=users["operator"])
    page = signed_in("supervisor", path="/routing/rules/")
    expect(page.get_by_role("heading", name="Routing rules")).to_be_visible()
    expect(page.locator("table.routing-rules tbody tr")).to_have_count(7)
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Routing")).to_be_visible()

    page.get_by_role("link", name="Edit Gas line, business hours").click()
    expect(page).to_have_url(re.compile(r"/routing/rules/3/$"))
    expect(page.locator("#id_time_to")).to_have_value("18:00")
    page.locator("#id_time_to").fill("19:00")
    page.locator("#id_sample-line").fill("800100")
    page.locator("#id_sample-date").fill("2026-12-09")
    page.locator("#id_sample-time").fill("18:30")
    page.locator("#id_sample-number").fill("06 1234 5678")
    page.get_by_role("button", name="Test the draft").click()

    verdict = page.locator("#rule-test")
    expect(verdict).to_contain_text("Rule 3 “Gas line, business hours” matches.")
    expect(verdict).to_contain_text("VIP callers: does not match — the caller is Silver, the rule is for VIP")
    expect(verdict).to_contain_text("Gas line, Saturday morning: not reached")
    assert version_active().number == 1  # a test publishes nothing
    assert axe_violations(page) == []
    shoot(page, "rule-editor")

    page.locator("#id_note").fill("Gas desk open until 19:00")
    page.get_by_role("button", name="Publish as a new version").click()
    expect(page).to_have_url(re.compile(r"/routing/rules/$"))
    expect(page.get_by_role("status")).to_contain_text("Version 2 published.")
    expect(page.locator("#rule-3")).to_contain_text("08:00–19:00")
    active = version_active()
    assert active.number == 2 and active.note == "Gas desk open until 19:00"
    assert [rule.time_to.hour if rule.time_to else None for rule in version_rules(active)][2] == 19

    # The same call tried on the rules list, through htmx (no reload): the published rule matches.
    page.locator("#id_sample-date").fill("2026-12-09")
    page.locator("#id_sample-time").fill("18:30")
    page.locator("#id_sample-line").fill("800100")
    page.evaluate("window.sameDocument = true")
    page.get_by_role("button", name="Test", exact=True).click()
    expect(page.locator("#rule-test")).to_contain_text("Rule 3 “Gas line, business hours” matches.")
    expect(page.locator("#rule-test")).to_contain_text("Gas line, Saturday morning: not reached")
    assert page.evaluate("window.sameDocument === true")
