"""A shared phone after sign-out: the next technician never reads the previous one's pages, not
even offline from the service worker's cache; and every page runs under the Content-Security-
Policy without a single violation (htmx and our scripts keep working)."""

import pytest
from playwright.sync_api import expect

from dispatch.choices import InterventionStatus
from tests.dispatch.helpers import intervention_in
from tests.web.conftest import wait_until

pytestmark = [pytest.mark.real_component, pytest.mark.django_db(transaction=True)]


def _cached_urls(page) -> list[str]:
    return page.evaluate(
        """() => caches.keys().then(names => Promise.all(names.map(name =>
             caches.open(name).then(cache => cache.keys()).then(keys => keys.map(k => k.url)))))
           .then(lists => [].concat(...lists))"""
    )


def _kept_for_offline(page, path: str) -> None:
    page.goto(path)
    assert page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    wait_until(page, "navigator.serviceWorker.controller !== null")
    page.reload()  # now fetched through the worker, which keeps a copy
    wait_until(
        page,
        "(path) => caches.open('pronto-m-pages')"
        ".then(c => c.match(path, {ignoreVary: true})).then(hit => !!hit)",
        path,
    )


def _sign_in(page, users, name: str) -> None:
    page.get_by_label("Username").fill(users[name].username)
    page.get_by_label("Password").fill(f"demo-{users[name].username}")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


@pytest.mark.parametrize("where", ["phone page", "desktop page"])
def test_after_sign_out_the_next_technician_gets_nothing_of_the_previous_ones_pages(
    signed_in, users, plant, where
):
    intervention = intervention_in(InterventionStatus.ASSIGNED, users=users, plant=plant)
    path = f"/m/interventions/{intervention.pk}/"
    page = signed_in("technician", phone=True, path="/m/")
    _kept_for_offline(page, path)
    expect(page.get_by_text(intervention.summary, exact=True)).to_be_visible()
    assert any(url.endswith(path) for url in _cached_urls(page))

    # The phone's own sign-out button (technician.js clears first), or the desktop header's
    # form (no page script: the answer's Clear-Site-Data alone).
    if where == "desktop page":
        page.goto("/interventions/")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/login/**")
    _sign_in(page, users, "technician2")

    assert not any(url.endswith(path) for url in _cached_urls(page))
    page.context.set_offline(True)
    try:
        page.goto(path)
    except Exception:  # noqa: BLE001 - offline with nothing kept: the browser's own error page
        pass
    page.wait_for_load_state()
    assert intervention.summary not in _text_once_settled(page)
    page.context.set_offline(False)


def _text_once_settled(page) -> str:
    """The page's text; Chromium may still be swapping in its offline error page."""
    for _ in range(20):
        try:
            return page.content()
        except Exception:  # noqa: BLE001 - "the page is navigating": ask again shortly
            page.wait_for_timeout(250)
    return page.content()


def test_the_pages_run_under_the_policy_without_a_violation(signed_in, users, plant):
    intervention = intervention_in(InterventionStatus.ASSIGNED, users=users, plant=plant)
    violations: list[str] = []

    def watch(page):
        page.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))
        return page

    operator = watch(signed_in("operator", path="/"))
    # htmx runs: the board's rows come by polling, the callbacks link is refreshed on load.
    wait_until(operator, "window.htmx !== undefined")
    expect(operator.locator("#board")).to_be_visible()
    operator.goto(f"/interventions/{intervention.pk}/")
    expect(operator.get_by_role("heading", name="History")).to_be_visible()
    operator.goto("/api/docs/")
    expect(operator.locator(".swagger-ui").first).to_be_visible()
    # The language menu submits on change from pronto.js (no inline handler).
    operator.goto("/interventions/")
    operator.locator("#language").select_option("it")
    expect(operator.locator("html")).to_have_attribute("lang", "it")
    operator.locator("#language").select_option("en")
    supervisor = watch(signed_in("supervisor", path="/reports/service-levels/"))
    expect(supervisor.locator("h1")).to_be_visible()
    phone = watch(signed_in("technician", phone=True, path=f"/m/interventions/{intervention.pk}/"))
    expect(phone.get_by_text(intervention.summary, exact=True)).to_be_visible()
    assert phone.evaluate("navigator.serviceWorker.ready.then(() => true)")
    assert violations == []
