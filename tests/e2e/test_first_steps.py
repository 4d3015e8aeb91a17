"""A newcomer's first steps in a real browser: the bare address is the portal's public start page
(German and English, desktop and phone) with the ways in for companies and for staff, and the staff
dashboard opens on the latest year with results."""

import datetime
import re

import pytest
from django.utils import timezone

from projects.choices import InvestmentStage
from tests.factories import DelegationFactory, InvestmentProjectFactory, OrganisationFactory
from wfs_portal.choices import EventState

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

STAFF_PASSWORD = "Messestand-Dubai-2026"
SIZES = {"desktop": (1280, 900), "phone": (390, 844)}


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_superuser(
        username="sachbearbeiterin", email="sb@wfs.example", password=STAFF_PASSWORD
    )


def in_language(page, live_server, language: str):
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    return page


def admin_login(page, staff):
    page.goto("/admin/login/")
    page.fill("input[name=username]", staff.username)
    page.fill("input[name=password]", STAFF_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r"/admin/$"))


def fits(page, width: int) -> bool:
    """Nothing runs off the screen sideways."""
    return page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("language", ["de", "en"])
def test_the_bare_address_is_the_public_start_page(new_page, shot, live_server, language, size):
    OrganisationFactory.create_batch(3)
    width, height = SIZES[size]
    page = in_language(new_page(width=width, height=height), live_server, language)

    page.goto("/")

    assert page.url == f"{live_server.url}/", "no redirect to the staff login"
    assert page.locator("html").get_attribute("lang") == language
    ways_in = page.locator("main .welcome-ways-in")
    assert ways_in.locator("a[href='/accounts/signup/']").is_visible()
    assert ways_in.locator("a[href='/accounts/login/']").is_visible()
    assert page.locator("main .welcome-staff a[href='/admin/']").is_visible()
    assert page.locator("main .welcome-offers article").count() == 4
    assert "3" in page.locator("main .welcome-count").inner_text().split()
    if language == "en":
        assert page.locator("h1").inner_text() == "Partners for your innovation in Saxony"
    assert fits(page, width)
    shot(page, f"first-steps-01-welcome-{language}-{size}")

    ways_in.locator("a[href='/accounts/signup/']").click()
    page.wait_for_url(re.compile(r"/accounts/signup/$"))


def test_staff_find_the_administration_from_the_start_page(new_page, shot, live_server, staff):
    page = new_page(width=1280, height=900)
    admin_login(page, staff)

    page.goto("/")
    ways_in = page.locator("main .welcome-ways-in")
    assert ways_in.locator("a[href='/admin/dashboard/']").is_visible()
    shot(page, "first-steps-02-welcome-staff")
    ways_in.locator("a[href='/admin/']").click()
    page.wait_for_url(re.compile(r"/admin/$"))


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_dashboard_opens_on_the_latest_year_with_results(new_page, shot, live_server, staff, language):
    today = timezone.localdate()
    year = today.year - 2
    InvestmentProjectFactory(
        stage=InvestmentStage.PRODUCTION_STARTED,
        first_contact_date=datetime.date(year - 2, 1, 10),
        decision_date=datetime.date(year - 1, 6, 1),
        production_start_date=datetime.date(year, 5, 15),
    )
    DelegationFactory(start_date=datetime.date(year, 3, 2), state=EventState.COMPLETED)

    for size, (width, height) in {"desktop": (1400, 900), "phone": (390, 844)}.items():
        page = in_language(new_page(width=width, height=height), live_server, language)
        admin_login(page, staff)
        page.goto("/admin/dashboard/")

        assert page.locator("select#year").input_value() == str(year)
        note = page.locator(".dashboard-note")
        assert note.is_visible()
        assert str(year) in note.inner_text() and str(today.year) in note.inner_text()
        first_row = page.locator(".dashboard-kpis tbody tr").first
        assert first_row.locator("td.numeric").first.inner_text().strip().endswith("1")
        assert fits(page, width)
        shot(page, f"first-steps-03-dashboard-{language}-{size}")

    # An empty year says so and leads to the latest year with results.
    page.goto(f"/admin/dashboard/?year={year - 3}")
    empty = page.locator(".dashboard-empty")
    assert empty.is_visible()
    shot(page, f"first-steps-04-dashboard-empty-{language}-phone")
    empty.locator(f"a[href='/admin/dashboard/?year={year}']").click()
    page.wait_for_url(re.compile(rf"/admin/dashboard/\?year={year}$"))
    assert page.locator("select#year").input_value() == str(year)
