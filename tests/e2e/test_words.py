"""Words a company user reads, in a real browser, in German and English, on a desktop and a phone:
the organisation registration's button ("Registrieren", not the noun "Registerangaben"), the
privacy page before anything is erased (what erasing will do, not that it is done), and a fair
card (areas, fees and the hall as a German reader writes them)."""

import re
from decimal import Decimal

import pytest
from django.contrib.auth.hashers import make_password

from tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Registerangaben-2026"
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def representative():
    return factories.RepresentativeFactory(
        administrator=True, user__password=make_password(PASSWORD), organisation__name="Delta Kühltechnik GmbH"
    )


def _signed_in(new_page, live_server, representative, *, language: str, size: str):
    page = new_page(**SIZES[size])
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page.goto("/accounts/login/")
    page.fill("input[name=login]", representative.user.email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    return page


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(("language", "button"), [("de", "Registrieren"), ("en", "Register")])
def test_the_organisation_registration_button_says_register(
    new_page, live_server, shot, representative, language, button, size
):
    page = _signed_in(new_page, live_server, representative, language=language, size=size)

    page.goto("/portal/organisations/register/")
    submit = page.locator("main form button[type=submit]")
    submit.scroll_into_view_if_needed()
    shot(page, f"words-register-{language}-{size}")

    assert submit.inner_text().strip() == button
    assert "Registerangaben" not in page.locator("main").inner_text()


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(
    ("language", "before", "not_yet"),
    [
        pytest.param(
            "de",
            "Wenn Sie Ihr Konto löschen, werden Ihr Konto und Ihre personenbezogenen Daten gelöscht.",
            "sind gelöscht",
            id="de",
        ),
        pytest.param(
            "en",
            "If you delete your account, it will be erased together with your personal data.",
            "are erased",
            id="en",
        ),
    ],
)
def test_the_privacy_page_says_what_erasing_will_do(
    new_page, live_server, shot, representative, language, before, not_yet, size
):
    page = _signed_in(new_page, live_server, representative, language=language, size=size)

    page.goto("/portal/privacy/")
    shot(page, f"words-privacy-{language}-{size}")
    text = " ".join(page.locator("main").inner_text().split())

    assert before in text
    assert not_yet not in text
    # Nothing was erased by looking.
    representative.user.refresh_from_db()
    assert representative.user.is_active


@pytest.mark.parametrize("size", SIZES)
def test_a_fair_card_reads_like_german(new_page, live_server, shot, representative, size):
    factories.JointBoothFactory(
        fair__name="Arab Health",
        hall="Halle 8",
        stand="C31",
        total_area_m2=Decimal("216.00"),
        fee_per_m2_with_construction=Decimal("1250.00"),
    )
    page = _signed_in(new_page, live_server, representative, language="de", size=size)

    page.goto("/portal/fairs/")
    shot(page, f"words-fairs-de-{size}")
    text = " ".join(page.locator("main").inner_text().split())

    assert "Halle 8, Stand C31" in text
    assert "216 m² von 216 m²" in text
    assert "1.250,00 EUR mit Standbau" in text
    assert not re.search(r"Halle Halle|216,00|1250", text)
