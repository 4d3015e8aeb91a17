"""Searching fairs, booths and registrations word by word (fairs.filtersets.WordSearch), the same in
the partner API's ``q`` and the admin's search box: a fair's name is kept without its year, so the
year typed with it has to match the fair's year."""

import datetime

import pytest
from django.urls import reverse

from tests.api import ids
from tests.factories import BoothRegistrationFactory, JointBoothFactory, OrganisationFactory, TradeFairFactory

pytestmark = pytest.mark.django_db

REGISTRATIONS = reverse("v1:booth-registration-list")
FAIRS = reverse("v1:trade-fair-list")


@pytest.fixture
def editions():
    """Arab Health 2027 and 2028, and MEDICA 2027, each with a registration."""

    def registration(name, year, organisation):
        fair = TradeFairFactory(
            name=name, start_date=datetime.date(year, 1, 27), end_date=datetime.date(year, 1, 30), programme_year=year
        )
        return BoothRegistrationFactory(
            booth=JointBoothFactory(fair=fair), organisation=OrganisationFactory(name=organisation)
        )

    return {
        "arab_2027": registration("Arab Health", 2027, "Sensorik Chemnitz GmbH"),
        "arab_2028": registration("Arab Health", 2028, "Kühlkette Leipzig GmbH"),
        "medica_2027": registration("MEDICA", 2027, "Beispiel Medizintechnik GmbH"),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Arab Health 2027", {"arab_2027"}),
        ("2027 arab health", {"arab_2027"}),
        ("Arab Health", {"arab_2027", "arab_2028"}),
        ("2027", {"arab_2027", "medica_2027"}),
        ("Arab Health Sensorik", {"arab_2027"}),
        ("Kühlkette 2028", {"arab_2028"}),
        ('"Arab Health" Dubai 2028', {"arab_2028"}),
        ("Arab Health 2029", set()),
        ("Arab Zürich", set()),
    ],
)
def test_registrations_are_found_by_fair_name_and_year_in_the_api(staff_client, editions, query, expected):
    response = staff_client.get(REGISTRATIONS, {"q": query})

    assert response.status_code == 200
    assert ids(response) == {editions[name].pk for name in expected}


def test_the_admin_search_box_finds_the_same(staff_client, editions):
    response = staff_client.get(reverse("admin:fairs_boothregistration_changelist"), {"q": "Arab Health 2027"})

    assert response.status_code == 200
    assert [r.pk for r in response.context["cl"].result_list] == [editions["arab_2027"].pk]


def test_fairs_and_booths_are_found_with_their_year(staff_client, editions):
    arab_2027 = editions["arab_2027"].booth

    assert ids(staff_client.get(FAIRS, {"q": "Arab Health 2027"})) == {arab_2027.fair_id}
    response = staff_client.get(reverse("admin:fairs_jointbooth_changelist"), {"q": "Arab Health 2027"})
    assert [b.pk for b in response.context["cl"].result_list] == [arab_2027.pk]
    # The booth chooser of other admin forms (autocomplete) searches the same way.
    autocomplete = staff_client.get(
        reverse("admin:autocomplete"),
        {"term": "arab health 2027", "app_label": "fairs", "model_name": "boothregistration", "field_name": "booth"},
    )
    assert [int(r["id"]) for r in autocomplete.json()["results"]] == [arab_2027.pk]
