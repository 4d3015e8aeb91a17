"""The marketplace's portal pages: search, filters, paging, what is never shown. Runs on either
database: on SQLite the search is the laptop's simpler one (every word somewhere, plus meaning)."""

import pytest
from django.urls import reverse

from marketplace.views import PER_PAGE
from tests import factories

pytestmark = pytest.mark.django_db

PROFILES = reverse("portal_marketplace:profiles")
ORGANISATIONS = reverse("portal_marketplace:organisations")


def titles(response):
    return [p.title for p in response.context["page"].object_list]


def test_the_list_searches_and_filters_and_never_shows_drafts_or_unverified(client_a, market):
    everything = titles(client_a.get(PROFILES))
    assert set(everything) == {
        "Cold-chain transport of clinical samples",
        "Robotik-Greifer für empfindliche Bauteile",
        "Partner für Sensorik in der Medizintechnik gesucht",
        "Wearable sensors for monitoring patients after surgery",
    }
    assert titles(client_a.get(PROFILES, {"q": "Greifer"})) == ["Robotik-Greifer für empfindliche Bauteile"]
    assert titles(client_a.get(PROFILES, {"q": "Greifer", "country": "PL"})) == []
    assert titles(client_a.get(PROFILES, {"country": "PL"})) == ["Cold-chain transport of clinical samples"]
    assert titles(client_a.get(PROFILES, {"type": "technology_request"})) == [
        "Partner für Sensorik in der Medizintechnik gesucht"
    ]
    assert titles(client_a.get(PROFILES, {"technology_field": "robotik"})) == [
        "Robotik-Greifer für empfindliche Bauteile"
    ]
    assert set(titles(client_a.get(PROFILES, {"language": "en"}))) == {
        "Cold-chain transport of clinical samples",
        "Wearable sensors for monitoring patients after surgery",
    }
    assert titles(client_a.get(PROFILES, {"kind": "clinic"})) == [
        "Wearable sensors for monitoring patients after surgery"
    ]
    assert titles(client_a.get(PROFILES, {"q": "WFS-TR-2026-0001"})) == [
        "Partner für Sensorik in der Medizintechnik gesucht"
    ]


def test_a_german_query_finds_the_english_profile_on_either_database(client_a, market):
    assert titles(client_a.get(PROFILES, {"q": "Kühlkette für Laborproben"}))[0] == (
        "Cold-chain transport of clinical samples"
    )


def test_the_list_is_paged(client_a):
    factories.PartneringProfileFactory.create_batch(PER_PAGE + 3, published=True)
    first = client_a.get(PROFILES)
    second = client_a.get(PROFILES, {"page": 2})
    assert first.context["page"].paginator.count == PER_PAGE + 3
    assert len(first.context["page"].object_list) == PER_PAGE
    assert len(second.context["page"].object_list) == 3


def test_organisations_are_searched_and_unverified_ones_never_shown(client_a, market):
    names = [o.name for o in client_a.get(ORGANISATIONS, {"q": "Robotik"}).context["page"].object_list]
    assert "Greifwerk Robotik GmbH" in names
    assert "Schatten Robotik GmbH" not in names
    clinics = client_a.get(ORGANISATIONS, {"kind": "clinic"}).context["page"].object_list
    assert [o.name for o in clinics] == ["Klinikum Chemnitz"]


def test_the_detail_pages_show_the_reference_but_never_contact_persons(client_a, market):
    robot = market["profiles"]["robot"]
    contact = factories.ContactFactory(organisation=robot.organisation, last_name="Geheimhaltungsmann")
    page = client_a.get(reverse("portal_marketplace:profile-detail", args=[robot.pk])).content.decode()
    assert "WFS-TO-2026-0001" in page and "Robotik-Greifer" in page
    assert contact.last_name not in page
    page = client_a.get(
        reverse("portal_marketplace:organisation-detail", args=[robot.organisation.pk])
    ).content.decode()
    assert "Greifwerk Robotik GmbH" in page and contact.last_name not in page


@pytest.mark.parametrize("hidden", ["draft", "withdrawn", "unverified"])
def test_a_profile_that_is_not_public_is_404(client_a, market, hidden):
    url = reverse("portal_marketplace:profile-detail", args=[market["profiles"][hidden].pk])
    assert client_a.get(url).status_code == 404


def test_an_unverified_organisation_is_404(client_a, market):
    url = reverse("portal_marketplace:organisation-detail", args=[market["unverified"].pk])
    assert client_a.get(url).status_code == 404


def test_the_pages_speak_german_and_english(client_a, market):
    client_a.cookies["django_language"] = "en"
    english = client_a.get(PROFILES).content.decode()
    assert "Partnering profiles" in english and "Filter the list" in english


def test_anonymous_visitors_are_sent_to_the_login(client):
    assert client.get(PROFILES).status_code == 302
