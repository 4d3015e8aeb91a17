"""The portal's home with what is pending, in German and English, on a desktop and a phone, and the
phone's navigation: a compact header, a menu whose groups open on the screen, a readable language
select."""

import datetime
import re

import pytest
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from matchmaking.models.visits import PortalVisit
from tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Übersicht-Dresden-2026"
PHONE = {"width": 390, "height": 844}


def _days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


@pytest.fixture
def representative():
    return factories.RepresentativeFactory(
        administrator=True,
        user__password=make_password(PASSWORD),
        organisation__name="Kühlkette Leipzig GmbH",
        organisation__city="Leipzig",
    )


@pytest.fixture
def pending(representative):
    """Something in every section of the home."""
    organisation = representative.organisation
    factories.ContactRequestFactory(
        requester=factories.OrganisationFactory(name="Sensorwerk Chemnitz GmbH"),
        target=organisation,
        message="Wir suchen einen Partner für temperaturgeführte Transporte.",
    )
    factories.ContactRequestFactory(requester=organisation, target=factories.OrganisationFactory(name="Biolabor AG"))
    factories.PartneringProfileFactory(
        organisation=organisation, published=True, valid_until=_days(12), title_de="Kühlkettenlogistik für Proben"
    )
    factories.JointBoothFactory(fair__name="MEDICA", fair__city="Düsseldorf", registration_deadline=_days(9))
    factories.DelegationFactory(title="Unternehmerreise Vietnam", registration_deadline=_days(20))
    factories.BoothRegistrationFactory(organisation=organisation, booth__fair__name="Arab Health")
    factories.RepresentativeFactory(requested=True, organisation=organisation, message="Vertrieb Skandinavien")
    seen = factories.MatchFactory(organisation=organisation, rank=0, score=0.8)
    factories.MatchFactory(organisation=organisation, rank=1, score=0.7, partner__name="Neuland Robotik GmbH")
    # The previous visit, a day ago, saw only the first partner.
    day_ago = timezone.now() - datetime.timedelta(days=1)
    PortalVisit.objects.create(
        user=representative.user,
        organisation=organisation,
        started_at=day_ago,
        seen_at=day_ago,
        partners_before=[seen.partner_id],
        partners_seen=[seen.partner_id],
    )
    return organisation


def log_in(page, representative):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", representative.user.email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/portal/$"))


def switch_language(page, code: str) -> None:
    """With the header's language form (on a phone it stays in the header, small)."""
    page.select_option("#language-select", code)
    with page.expect_navigation():
        page.click(".language-switcher button[type=submit]")
    assert page.locator("html").get_attribute("lang") == code


SECTIONS = (
    "introductions-received",
    "join-requests",
    "new-suggestions",
    "expiring-profiles",
    "deadlines",
    "applications",
    "introductions-sent",
)


def check_home(page) -> None:
    main = page.locator("main")
    assert page.locator(".pending-summary li").count() == len(SECTIONS)
    for section in SECTIONS:
        assert page.locator(f"section#{section}").is_visible(), section
    for name in ("Sensorwerk Chemnitz GmbH", "Neuland Robotik GmbH", "Kühlkettenlogistik für Proben", "Biolabor AG"):
        assert main.get_by_text(name).first.is_visible(), name
    assert main.get_by_text("Vertrieb Skandinavien").is_visible()
    # The partner seen at the last visit is not new.
    assert page.locator("#new-suggestions li").count() == 1


def test_the_home_shows_what_is_pending_in_german_and_english(new_page, shot, representative, pending):
    desk = new_page()
    log_in(desk, representative)
    assert desk.locator("html").get_attribute("lang") == "de"
    assert desk.locator("h1").inner_text() == "Überblick"
    check_home(desk)
    assert desk.locator("#deadlines").get_by_text(re.compile(r"MEDICA")).is_visible()
    shot(desk, "home-01-desktop-de")

    # A summary entry leads to its section; the new suggestion to the filtered match list.
    desk.click(".pending-summary a[href='#new-suggestions']")
    with desk.expect_navigation():
        desk.click("#new-suggestions p > a[href*='new=on']")
    assert desk.locator(".match-card").count() == 1
    assert "Neuland Robotik GmbH" in desk.locator(".match-card").inner_text()
    shot(desk, "home-02-matches-new-de")

    desk.goto("/portal/")
    switch_language(desk, "en")
    assert desk.locator("h1").inner_text() == "Overview"
    assert desk.get_by_role("heading", name="Introduction requests waiting for your answer").is_visible()
    check_home(desk)
    shot(desk, "home-03-desktop-en")

    phone = new_page(**PHONE)
    log_in(phone, representative)
    check_home(phone)
    shot(phone, "home-04-phone-de")
    switch_language(phone, "en")
    check_home(phone)
    shot(phone, "home-05-phone-en")


def _language_select_fits(page) -> dict:
    """The selected language's name against the room the select leaves for text, and the arrow's
    place against the padding on its side (Pico draws the arrow as a background image)."""
    return page.evaluate(
        """() => {
          const select = document.querySelector('#language-select');
          const style = getComputedStyle(select);
          const canvas = document.createElement('canvas').getContext('2d');
          canvas.font = style.font;
          const text = canvas.measureText(select.options[select.selectedIndex].text).width;
          const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
          const offset = parseFloat((style.backgroundPositionX.match(/([\\d.]+)px/) || [0, 0])[1]);
          const arrow = parseFloat(style.backgroundSize);
          return {text, room, padding: parseFloat(style.paddingRight), arrow: offset + arrow};
        }"""
    )


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_phone_navigation_is_compact_and_stays_on_the_screen(new_page, shot, representative, language):
    page = new_page(**PHONE)
    log_in(page, representative)
    if language != "de":
        switch_language(page, language)
    page.goto("/portal/matches/")

    header = page.locator("body > header").bounding_box()
    assert header["y"] + header["height"] < PHONE["height"] / 4, header
    # The header line's dropdowns give way to the menu below the desktop width.
    assert not page.locator(".nav-wide").is_visible()

    fits = _language_select_fits(page)
    assert fits["text"] <= fits["room"], fits
    assert fits["padding"] >= fits["arrow"], fits
    shot(page, f"nav-01-phone-closed-{language}")

    page.click(".nav-narrow > summary")
    panel = page.locator(".menu-panel")
    assert panel.is_visible()
    page.locator(".menu-panel summary", has_text="Matchmaking").click()
    menu = page.locator(".menu-panel details[open] > ul")
    box = menu.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], box
    for link in menu.locator("a").all():
        link_box = link.bounding_box()
        assert link_box["x"] + link_box["width"] <= PHONE["width"], link_box
    # Nothing sticks out sideways (the page would scroll left and right).
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, f"nav-02-phone-menu-open-{language}")

    with page.expect_navigation():
        menu.locator("a[href$='/portal/introductions/']").click()
    assert page.url.endswith("/portal/introductions/")


def test_the_desktop_dropdowns_stay_on_the_screen(new_page, representative):
    page = new_page()
    log_in(page, representative)

    assert not page.locator(".nav-narrow").is_visible()
    groups = page.locator(".nav-wide details.dropdown")
    header = page.locator("body > header").bounding_box()
    for index in range(groups.count()):
        group = groups.nth(index)
        group.locator("summary").click()
        assert group.get_attribute("open") is not None, index
        box = group.locator("ul").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 1280, (index, box)
        # Pico lays a transparent layer over the page while a dropdown is open (a click anywhere
        # closes it), so the next summary is reached after closing this one.
        page.mouse.click(5, 880)
        assert group.get_attribute("open") is None
    # One line of menu entries above the toolbar.
    assert header["height"] < 200, header
