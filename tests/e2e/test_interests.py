"""An expression of interest in the browser: company A answers the questions of company B's
published profile, B sees it on its home and accepts, and both then see each other's contact
person, which neither saw before. German and English, on a desktop and a phone (390 × 844)."""

import pytest
from django.contrib.auth.hashers import make_password

from companies.choices import ConsentPurpose
from tests import factories
from tests.e2e.test_portal_home import PASSWORD, PHONE, log_in, switch_language

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}


def _representative(name: str, city: str):
    return factories.RepresentativeFactory(
        administrator=True, user__password=make_password(PASSWORD), organisation__name=name, organisation__city=city
    )


def _person(organisation, first: str, last: str, email: str):
    person = factories.ContactFactory(organisation=organisation, first_name=first, last_name=last, email=email)
    factories.ConsentRecordFactory(contact=person, purpose=ConsentPurpose.MATCHMAKING)
    return person


@pytest.fixture
def world():
    a = _representative("Kühlkette Leipzig GmbH", "Leipzig")
    b = _representative("Sensorwerk Chemnitz GmbH", "Chemnitz")
    person_a = _person(a.organisation, "Anna", "Albrecht", "anna.albrecht@kuehlkette.example.de")
    person_b = _person(b.organisation, "Bernd", "Berger", "bernd.berger@sensorwerk.example.de")
    profile = factories.PartneringProfileFactory(
        organisation=b.organisation,
        published=True,
        title_de="Funksensoren für Kühltransporte",
        title_en="Wireless sensors for refrigerated transport",
        summary_de="Wir bieten Funksensoren, die Temperatur und Erschütterung während des Transports aufzeichnen.",
        summary_en="We offer wireless sensors that record temperature and shocks during transport.",
        question_1="Welche Temperaturbereiche überwachen Sie?",
        question_2="Wie viele Sendungen haben Sie im Monat?",
    )
    return a, b, person_a, person_b, profile


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_a_expresses_interest_b_accepts_and_both_see_the_contact(new_page, shot, world, language, device):
    a, b, person_a, person_b, profile = world
    size = PHONE if device == "phone" else DESKTOP
    name = f"interests-{device}-{language}"

    sender = new_page(**size)
    log_in(sender, a)
    if language != "de":
        switch_language(sender, language)
    sender.goto(f"/portal/interests/profiles/{profile.pk}/")
    title = profile.title_en if language == "en" else profile.title_de
    assert sender.locator("main").get_by_text(title).first.is_visible()
    assert sender.get_by_label("Welche Temperaturbereiche überwachen Sie?").is_visible()
    assert sender.evaluate("document.documentElement.scrollWidth") <= size["width"]
    shot(sender, f"{name}-01-express")

    sender.get_by_label("Welche Temperaturbereiche überwachen Sie?").fill("2 bis 8 °C und −20 °C")
    sender.get_by_label("Wie viele Sendungen haben Sie im Monat?").fill("Etwa 40 Sendungen")
    sender.locator("textarea[name=message]").fill("Wir transportieren klinische Proben in ganz Sachsen.")
    sender.select_option("select[name=contact]", str(person_a.pk))
    with sender.expect_navigation():
        sender.click("main form button[type=submit]:not(.outline)")
    assert "/portal/interests/" in sender.url
    sent_detail = sender.url
    main = sender.locator("main")
    assert main.get_by_text("Etwa 40 Sendungen").is_visible()
    # Before acceptance neither side's person is shown to the other.
    assert person_b.email not in main.inner_text()
    shot(sender, f"{name}-02-sent")

    owner = new_page(**size)
    log_in(owner, b)
    if language != "de":
        switch_language(owner, language)
    home = owner.locator("section#interests-received")
    assert home.is_visible()
    assert home.get_by_text("Kühlkette Leipzig GmbH").is_visible()
    shot(owner, f"{name}-03-home")
    with owner.expect_navigation():
        home.locator("a[role=button]").first.click()
    main = owner.locator("main")
    assert main.get_by_text("2 bis 8 °C und −20 °C").is_visible()
    assert person_a.email not in main.inner_text()
    assert "Albrecht" not in main.inner_text()
    assert owner.evaluate("document.documentElement.scrollWidth") <= size["width"]
    shot(owner, f"{name}-04-received")

    owner.select_option("select[name=contact]", str(person_b.pk))
    with owner.expect_navigation():
        owner.click("form.accept-form button[type=submit]")
    partner = owner.locator("#partner-contact")
    assert partner.get_by_text("Anna Albrecht").is_visible()
    assert partner.locator(f"a[href='mailto:{person_a.email}']").is_visible()
    shot(owner, f"{name}-05-accepted-owner")

    sender.goto(sent_detail)
    partner = sender.locator("#partner-contact")
    assert partner.get_by_text("Bernd Berger").is_visible()
    assert partner.locator(f"a[href='mailto:{person_b.email}']").is_visible()
    shot(sender, f"{name}-06-accepted-sender")
