"""Debian's Chromium, driven by Playwright, against pytest-django's live server.

Without a `chromium` on PATH the browser tests are skipped with a warning, or fail when
REQUIRE_BROWSER=1: set it wherever a missing browser must not pass as green (CI).
"""

import os
import shutil
import warnings

import pytest
from django.conf import settings
from playwright.sync_api import sync_playwright

from tests.conftest import ROOT, session_key_for

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PLAIN_STATIC_STORAGE = "django.contrib.staticfiles.storage.StaticFilesStorage"
AXE_SOURCE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="package")
def _playwright():
    """Playwright and Debian's Chromium, for the browsers below (one Playwright per thread)."""
    chromium = shutil.which("chromium")
    if chromium is None:
        message = "No `chromium` on PATH (apt-get install chromium): the browser tests did NOT run."
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"{message} REQUIRE_BROWSER=1 demands them.", pytrace=False)
        warnings.warn(pytest.PytestWarning(message))
        pytest.skip(message)
    # Playwright's sync API leaves an event loop marked as running in this thread while it is open, and
    # Django then refuses ORM calls from the tests; allow them for the browser tests only.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            yield playwright, chromium
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture(scope="package")
def browser(_playwright):
    """One Chromium for the browser tests, closed when they are done."""
    playwright, chromium = _playwright
    browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(scope="package")
def browser_with(_playwright):
    """A Chromium launched with extra switches (say, a fake camera playing a file): `browser_with(*switches)`,
    one browser for each set of switches, closed when the tests are done."""
    playwright, chromium = _playwright
    launched = {}

    def launch(*switches: str):
        if switches not in launched:
            launched[switches] = playwright.chromium.launch(executable_path=chromium, args=[*CHROMIUM_ARGS, *switches])
        return launched[switches]

    yield launch
    for browser in launched.values():
        browser.close()


@pytest.fixture
def page(browser, live_server, transactional_db, settings):
    # The live server answers /static/ itself from the finders, which know no manifest-hashed names,
    # so pages would render unstyled; plain storage keeps the URLs it can serve.
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": PLAIN_STATIC_STORAGE}}
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def sign_in(page):
    """Sign `user` in to the browser by handing it a session cookie, as if they had logged in earlier."""

    def sign_in(user):
        page.context.add_cookies([
            {"name": settings.SESSION_COOKIE_NAME, "value": session_key_for(user), "domain": "127.0.0.1", "path": "/"},
        ])

    return sign_in


@pytest.fixture(scope="session")
def axe_source():
    return AXE_SOURCE.read_text()


def serious_violations(page, axe_source: str) -> list[dict]:
    """Run axe-core on a page and return its serious and critical violations."""
    # Evaluated through the DevTools protocol, so the site's strict CSP (script-src 'self') stays on.
    page.evaluate(axe_source)
    violations = page.evaluate("async () => (await axe.run()).violations")
    return [
        {"id": v["id"], "impact": v["impact"], "targets": [node["target"] for node in v["nodes"]]}
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]


@pytest.fixture
def axe(page, axe_source):
    """axe-core's serious and critical violations on the `page` fixture's page."""
    return lambda: serious_violations(page, axe_source)
