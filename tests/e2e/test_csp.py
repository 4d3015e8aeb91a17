"""The Content-Security-Policy in a real browser: the key pages of the admin, the portal, allauth and
the API documentation work under it, the browser reports no violation, and no page requests
anything from another host (no CDN, no web fonts, no logo from elsewhere)."""

import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.hashers import make_password

from tests import factories
from tests.e2e.conftest import ARTIFACTS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Richtlinie-ohne-Inline-2026"

# Runs before any script of the page: every violation the browser reports ends up in the console.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error("CSP violation: " + event.effectiveDirective + " blocked " + event.blockedURI
                + " at " + event.sourceFile + ":" + event.lineNumber);
});
"""


class Watch:
    """What went wrong on a page: CSP violations (ours and the browser's own console messages),
    requests to another origin and uncaught script errors, each with the page it happened on."""

    def __init__(self, page, live_server):
        self.origin = urlsplit(live_server.url).netloc
        self.problems: list[str] = []
        page.add_init_script(REPORT_VIOLATIONS)
        page.on("console", self._console)
        page.on("request", self._request)
        page.on("pageerror", lambda error: self.problems.append(f"{page.url}: script error {error}"))
        self.page = page

    def _console(self, message):
        if "CSP violation" in message.text or "Content Security Policy" in message.text:
            self.problems.append(f"{self.page.url}: {message.text}")

    def _request(self, request):
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https") and parts.netloc != self.origin:
            self.problems.append(f"{self.page.url}: request to another host: {request.url}")

    def goto(self, path: str):
        self.page.goto(path, wait_until="networkidle")

    def assert_clean(self):
        assert not self.problems, "\n".join(self.problems)


@pytest.fixture
def watch(new_page, live_server):
    def make(**size) -> Watch:
        return Watch(new_page(**size), live_server)

    return make


def test_admin_pages(watch, shot, django_user_model):
    staff = django_user_model.objects.create_superuser(username="csp-staff", email="csp@wfs.example", password=PASSWORD)
    organisation = factories.OrganisationFactory(name="Gamma Sensorik GmbH")
    desk = watch()
    page = desk.page

    desk.goto("/admin/login/")
    page.fill("input[name=username]", staff.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r"/admin/$"))
    page.wait_for_load_state("networkidle")
    shot(page, "csp-01-admin-index")

    # A change form with its inlines, date shortcuts and related-object widgets.
    desk.goto(f"/admin/companies/organisation/{organisation.pk}/change/")
    assert page.locator(".inline-group").count() > 0
    shot(page, "csp-02-admin-change-form")

    # A change list with an action chosen.
    desk.goto("/admin/companies/organisation/")
    page.check(f"input[name=_selected_action][value='{organisation.pk}']")
    page.select_option("select[name=action]", "verify")

    # django-import-export's export form: its "select all" box is bound by a static script.
    desk.goto("/admin/companies/organisation/export/")
    page.uncheck("input.select-toggle")
    assert page.locator(".selectable-field-export-row input[type=checkbox]:checked").count() == 0
    page.check("input.select-toggle")
    assert page.locator(".selectable-field-export-row input[type=checkbox]:not(:checked)").count() == 0

    # django-celery-beat's periodic task form: its crontab help comes from a static script.
    desk.goto("/admin/django_celery_beat/periodictask/add/")

    # The dashboard: matplotlib charts inline, with their <style> allowed by its hash.
    desk.goto("/admin/dashboard/")
    assert page.locator(".dashboard-chart svg").count() > 0
    shot(page, "csp-03-admin-dashboard")

    desk.assert_clean()


def test_api_documentation(watch, shot):  # shot: creates the folder of screenshots
    docs = watch()
    page = docs.page

    # Swagger UI: its start-up code is a script of its own, so the operations render.
    docs.goto("/api/docs/")
    page.wait_for_selector(".opblock")
    page.locator(".opblock-summary").first.click()
    page.wait_for_selector(".opblock-body")
    # The visible part only: the whole page is tens of thousands of pixels long.
    page.screenshot(path=str(ARTIFACTS / "csp-04-api-docs.png"))

    # Redoc: started from a static file, its styles under the nonce, nothing from other hosts.
    docs.goto("/api/redoc/")
    page.wait_for_selector(".menu-content")
    page.wait_for_selector("h1")
    assert "partner API" in page.locator("h1").first.inner_text()
    page.screenshot(path=str(ARTIFACTS / "csp-05-api-redoc.png"))

    docs.assert_clean()


def test_allauth_and_portal_pages(watch, shot):
    representative = factories.RepresentativeFactory(
        administrator=True, user__password=make_password(PASSWORD), organisation__name="Delta Kühltechnik GmbH"
    )
    company = watch()
    page = company.page

    company.goto("/accounts/signup/")
    company.goto("/accounts/login/")
    page.fill("input[name=login]", representative.user.email)
    page.fill("input[name=password]", PASSWORD)
    shot(page, "csp-06-accounts-login")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/portal/$"))
    page.wait_for_load_state("networkidle")
    assert "Delta Kühltechnik GmbH" in page.content()
    shot(page, "csp-07-portal-start")

    # The sector picker (static/portal/picker.js) filters as one types.
    company.goto(f"/portal/organisations/{representative.organisation.pk}/edit/")
    page.fill("[data-picker-filter]", "Logistik")

    # Two-factor set-up: allauth's QR code is a data: image.
    company.goto("/accounts/2fa/totp/activate/")
    if page.locator("input[name=password]").count():  # allauth asks for the password again first
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.click("main form button[type=submit]")
        page.wait_for_load_state("networkidle")
    qr_code = page.locator("img[src^='data:image/svg+xml']")
    assert qr_code.evaluate("image => image.complete && image.naturalWidth > 0")
    shot(page, "csp-08-totp-activate")

    company.assert_clean()
