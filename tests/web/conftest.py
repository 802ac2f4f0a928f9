"""Real browsers for the page tests: Debian's Chromium (``$PRONTO_TEST_CHROMIUM``, from
scripts/ensure_chromium.sh, else /usr/bin/chromium) driven by Playwright for Python against
pytest-django's live server. Playwright's own browser downloads are never used.

``signed_in("operator")`` opens a fresh browser context (its own cookies and storage), signs in
through the login form with the user's password, and returns the page. ``phone=True`` gives the
context a 360 x 740 touch viewport, as the technician's phone.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator

import pytest

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}


def chromium_binary() -> str | None:
    configured = os.environ.get("PRONTO_TEST_CHROMIUM")
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    return shutil.which("chromium") or (
        "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None
    )


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    """One browser per test module. Not per session: Playwright's sync API keeps an event loop
    running in this thread while it lives, and the tests after these (asyncio.run in the Modbus
    tests, subprocesses that inherit the environment) must not find it."""
    binary = chromium_binary()
    if binary is None:
        pytest.skip("Chromium not installed: run scripts/ensure_chromium.sh")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        pytest.skip(f"Playwright for Python is not installed ({exc}): run scripts/setup.sh")
    # The ORM calls the tests make between two browser steps are plain synchronous calls, though
    # Django sees Playwright's loop; allowed for these modules only.
    saved = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    manager = sync_playwright().start()
    try:
        try:
            browser = manager.chromium.launch(executable_path=binary, args=["--no-sandbox"])
        except Exception as exc:  # noqa: BLE001 - any launch failure is a reason to skip, said whole
            pytest.skip(f"Chromium at {binary} would not start under Playwright: {exc}")
        yield browser
        browser.close()
    finally:
        manager.stop()
        if saved is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = saved


@pytest.fixture
def signed_in(chromium, live_server, users) -> Iterator[Callable[..., object]]:
    contexts = []

    def open_as(name: str, *, phone: bool = False, path: str = "/"):
        context = chromium.new_context(base_url=live_server.url, locale="en-GB", **(PHONE if phone else {}))
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"/accounts/login/?next={path}")
        page.get_by_label("Username").fill(users[name].username)
        page.get_by_label("Password").fill(f"demo-{users[name].username}")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        return page

    yield open_as
    for context in contexts:
        context.close()


def wait_until(page, expression: str, arg: object = None, timeout: float = 10.0) -> object:
    """Poll ``expression`` (as ``page.evaluate`` takes it) until it is truthy. Not
    ``page.wait_for_function``: its polling evaluates the expression with ``eval`` inside the
    page, which the pages' Content-Security-Policy refuses; ``page.evaluate`` goes through the
    DevTools protocol, which the policy does not govern."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        value = page.evaluate(expression, arg)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {expression}")
        page.wait_for_timeout(100)
