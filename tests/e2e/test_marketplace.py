"""A company user searches the marketplace in German and English, on a desktop and a phone: a German
query finds an English profile, a typo still finds its profile, a filter narrows the list, the
profile page shows the reference number; screenshots in test-artifacts/e2e/."""

import re

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection

from tests import factories
from tests.marketplace.conftest import market  # noqa: F401 - the published profiles, embedded

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Marktplatz-Leipzig-2026"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def representative():
    return factories.RepresentativeFactory(
        administrator=True, user__password=make_password(PASSWORD), organisation__name="Suchende Leipzig GmbH"
    )


def log_in(page, representative):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", representative.user.email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/portal/$"))


def search(page, text: str) -> list[str]:
    page.fill("form.marketplace-search input[name=q]", text)
    with page.expect_navigation():
        page.click("form.marketplace-search div[role=search] button[type=submit]")
    return page.locator(".match-card .match-title strong").all_inner_texts()


def switch_language(page, code: str) -> None:
    page.select_option("#language-select", code)
    with page.expect_navigation():
        page.click(".language-switcher button[type=submit]")
    assert page.locator("html").get_attribute("lang") == code


def test_a_company_user_searches_the_marketplace(new_page, shot, representative, market):  # noqa: F811
    desk = new_page()
    log_in(desk, representative)
    desk.goto("/portal/marketplace/")
    assert desk.locator(".match-card").count() == 4
    assert search(desk, "Kühlkette für Laborproben")[0] == "Cold-chain transport of clinical samples"
    shot(desk, "marketplace-01-desktop-de")
    if connection.vendor == "postgresql":  # typos: PostgreSQL's search (SQLite's is word for word)
        assert search(desk, "Robtik")[0] == "Robotik-Greifer für empfindliche Bauteile"
    else:
        search(desk, "Robotik")
    with desk.expect_navigation():
        desk.click("text=Robotik-Greifer für empfindliche Bauteile")
    assert desk.locator(".reference").inner_text() == "WFS-TO-2026-0001"
    shot(desk, "marketplace-02-profile-de")

    desk.goto("/portal/marketplace/")
    switch_language(desk, "en")
    assert search(desk, "wearable sensors")[0] == "Wearable sensors for monitoring patients after surgery"
    desk.click("form.marketplace-search details summary")
    desk.select_option("#id_kind", "clinic")
    with desk.expect_navigation():
        desk.click("form.marketplace-search details button[type=submit]")
    assert desk.locator(".match-card .match-title strong").all_inner_texts() == [
        "Wearable sensors for monitoring patients after surgery"
    ]
    shot(desk, "marketplace-03-desktop-en-filtered")

    phone = new_page(**PHONE)
    log_in(phone, representative)
    phone.goto("/portal/marketplace/")
    typed = "Sensorick" if connection.vendor == "postgresql" else "Sensorik"
    assert search(phone, typed)[0] == "Partner für Sensorik in der Medizintechnik gesucht"
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width} px wide on a phone"
    shot(phone, "marketplace-04-phone-de")
    switch_language(phone, "en")
    phone.goto("/portal/marketplace/organisations/")
    assert "Klinikum Chemnitz" in search(phone, "Klinikum")
    shot(phone, "marketplace-05-phone-en-organisations")
