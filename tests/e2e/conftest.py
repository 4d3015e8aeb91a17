"""Browser tests: the portal served by pytest-django's live server, driven in Debian's headless
Chromium through Playwright (never a browser Playwright downloads). Screenshots of the pages go to
test-artifacts/e2e/. Without Chromium the tests are skipped, except where E2E_REQUIRED is set (CI),
where that is a failure."""

import os
import re
from pathlib import Path

import pytest
from django.test import Client

# Playwright's sync API runs an event loop in this thread; Django's ORM, used by the tests between
# browser steps, would refuse to run beside it without this.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        message = f"no Chromium at {CHROMIUM} (Debian package 'chromium')"
        if os.environ.get("E2E_REQUIRED"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """Pages in separate browser contexts (separate cookies: a company user and a staff member)."""
    contexts = []

    def make(*, width: int = 1280, height: int = 900):
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": width, "height": height}, locale="de-DE"
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def shot():
    """shot(page, "01-signup"): a full-page screenshot into test-artifacts/e2e/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def link_in(mail, path: str) -> str:
    """The path of the first link in ``mail`` that starts with ``path``."""
    match = re.search(rf"https?://[^/\s]+(/{path}[^\s]*)", mail.body)
    assert match, mail.body
    return match.group(1)


# --- the staff admin ----------------------------------------------------------------------

DESKTOP = {"width": 1400, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def staff_page(new_page, live_server, settings, django_user_model):
    """make(language=..., **size): a page logged in as a staff member (the session of a forced
    login handed to the browser: no password hashing, no authenticator)."""
    settings.STAFF_MFA_REQUIRED = False
    staff = django_user_model.objects.create_superuser(username="sachbearbeiter", email="sb@wfs.example", password=None)
    client = Client()
    client.force_login(staff)
    session = client.cookies["sessionid"].value

    def make(*, language: str = "de", **size):
        page = new_page(**size)
        page.context.add_cookies(
            [
                {"name": "sessionid", "value": session, "url": live_server.url},
                {"name": "django_language", "value": language, "url": live_server.url},
            ]
        )
        return page

    return make


def fits(page) -> tuple[int, int]:
    return page.evaluate("document.documentElement.scrollWidth"), page.evaluate("window.innerWidth")
