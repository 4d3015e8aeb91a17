"""The bare address is the portal's public start page: what the agency offers, sign up and log in,
and the way to the administration for staff."""

import pytest
from django.conf import settings
from django.urls import reverse

from companies.choices import VerificationState
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def links(response) -> str:
    return response.content.decode()


def test_a_visitor_lands_on_the_start_page_not_the_staff_login(client):
    response = client.get("/")

    assert response.status_code == 200
    assert "portal/welcome.html" in [template.name for template in response.templates]
    html = links(response)
    for name in ("account_signup", "account_login", "admin:index"):
        assert f'href="{reverse(name)}"' in html, name
    assert f'href="{reverse("portal:start")}"' not in html.split("<main", 1)[1]


def test_a_company_user_is_shown_the_way_to_the_portal(client_a):
    html = links(client_a.get("/"))
    main = html.split("<main", 1)[1]

    assert f'href="{reverse("portal:start")}"' in main
    assert f'href="{reverse("account_signup")}"' not in main


def test_staff_are_shown_the_administration_and_the_dashboard(staff_client):
    main = links(staff_client.get("/")).split("<main", 1)[1]

    assert f'href="{reverse("admin:index")}"' in main.split("welcome-staff", 1)[0]
    assert f'href="{reverse("dashboard")}"' in main


def test_it_counts_the_verified_organisations_only(client):
    OrganisationFactory.create_batch(2)
    OrganisationFactory(verification_state=VerificationState.SELF_REGISTERED)

    response = client.get("/")

    assert response.context["organisation_count"] == 2


@pytest.mark.parametrize(("language", "shown"), [("de", "1.234"), ("en", "1,234")])
def test_the_count_is_written_in_the_language_of_the_page(client, monkeypatch, language, shown):
    class Many:
        def count(self):
            return 1234

    monkeypatch.setattr("companies.views.welcome.public_organisations", Many)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    html = links(client.get("/"))

    assert f"{shown} " in html.split('class="welcome-count"', 1)[1].split("</p>", 1)[0]


def test_the_page_is_in_english_on_request(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    html = links(client.get("/"))

    assert '<html lang="en">' in html
    assert "Partners for your innovation in Saxony" in html


def test_only_reading_is_allowed(client):
    assert client.post("/").status_code == 405


def test_the_page_keeps_to_the_content_security_policy(client):
    """Its own styles come as a stylesheet from the portal: the policy needs no exception for it."""
    response = client.get("/")

    policy = response["Content-Security-Policy"]
    assert "style-src 'self';" in policy + ";"
    assert "<style" not in response.content.decode()
