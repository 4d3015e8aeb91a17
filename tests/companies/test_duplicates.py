"""The duplicate finder (companies.duplicates) and the admin's duplicates and merge pages."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import translation

from companies.duplicates import (
    DOMAIN,
    NAME,
    REGISTER,
    VAT,
    OrganisationKeys,
    contact_duplicates_all,
    find_organisation_duplicates,
    organisation_duplicates_all,
)
from companies.models.organisations import Organisation
from companies.tasks import duplicates_search
from tests.factories import ContactFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def kinds(pair) -> set[str]:
    return {reason.kind for reason in pair.reasons}


def pairs_by_ids(pairs):
    return {(pair.first_id, pair.second_id): pair for pair in pairs}


def test_the_finder_names_vat_register_domain_and_name_duplicates_and_not_unrelated_ones():
    records = [
        OrganisationKeys(1, "Alpha Sensorik GmbH", vat_id="DE123456789"),
        OrganisationKeys(2, "Alpha Sensoric", vat_id="de 123 456 789"),
        OrganisationKeys(3, "Beta Logistik", register_court="Amtsgericht Leipzig", register_number="HRB 12345"),
        OrganisationKeys(4, "Gamma Transporte", register_court="AG Leipzig", register_number="HRB12345"),
        OrganisationKeys(5, "Delta Robotics", website="https://www.delta-robotics.de/kontakt"),
        OrganisationKeys(6, "Omega Automation", website="delta-robotics.de"),
        OrganisationKeys(7, "Universitätsklinikum Carl Gustav Carus Dresden"),
        OrganisationKeys(8, "Universitätsklinikum Carl Gustav Carus Dresden AöR"),
        OrganisationKeys(9, "Fraunhofer IWS", street="Winterbergstraße 28", postal_code="01277"),
        OrganisationKeys(10, "Zeta Bau GmbH", street="Winterbergstr. 28", postal_code="01277"),
        OrganisationKeys(11, "Kappa Medizintechnik", postal_code="04103"),
        OrganisationKeys(12, "Lambda Mikroelektronik", postal_code="04103"),
    ]

    found = pairs_by_ids(find_organisation_duplicates(records))

    assert VAT in kinds(found[(1, 2)])
    assert REGISTER in kinds(found[(3, 4)])
    assert DOMAIN in kinds(found[(5, 6)])
    assert NAME in kinds(found[(7, 8)])
    # The same address alone (a research institute and a company in one building) is no duplicate.
    assert set(found) == {(1, 2), (3, 4), (5, 6), (7, 8)}
    assert found[(1, 2)].score == 100
    with translation.override("en"):
        assert "same VAT ID" in found[(1, 2)].reason_text
        assert "similar name" in found[(7, 8)].reason_text


def test_a_similar_name_at_the_same_postal_code_counts_with_less_similarity():
    records = [
        OrganisationKeys(1, "Müller Präzisionsteile", postal_code="09111"),
        OrganisationKeys(2, "Mueller Praezisionsteile Chemnitz", postal_code="09111"),
        OrganisationKeys(3, "Müller Präzisionsteile", postal_code="01067"),
        OrganisationKeys(4, "Mueller Praezisionsteile Chemnitz", postal_code="04103"),
    ]

    found = pairs_by_ids(find_organisation_duplicates(records))

    assert (1, 2) in found
    assert (3, 4) not in found


def test_a_common_name_alone_is_no_duplicate_but_a_distinctive_one_is():
    common = [
        OrganisationKeys(i, f"Müller {form}", postal_code=f"0{1000 + i}") for i, form in enumerate(["GmbH", "AG", "KG"])
    ]
    others = [OrganisationKeys(10 + i, f"Müller Sensorik {i} GmbH", postal_code="09111") for i in range(3)]
    distinctive = [
        OrganisationKeys(20, "Universitätsklinikum Carl Gustav Carus", postal_code="01307"),
        OrganisationKeys(21, "Universitätsklinikum Carl Gustav Carus Dresden", postal_code=""),
    ]
    same_place = [
        OrganisationKeys(30, "Müller Bau GmbH", postal_code="04103"),
        OrganisationKeys(31, "Müller Bau AG", postal_code="04103"),
    ]

    found = pairs_by_ids(find_organisation_duplicates(common + others + distinctive + same_place))

    assert not {(0, 1), (0, 2), (1, 2)} & set(found)
    assert (20, 21) in found
    assert (30, 31) in found


def test_the_finder_reads_the_directory():
    first = OrganisationFactory(name="Sensorik Nord GmbH", website="https://sensorik-nord.de")
    second = OrganisationFactory(name="Sensorik Nord", website="http://www.sensorik-nord.de/")
    OrganisationFactory(name="Ganz Andere Firma")

    (pair,) = organisation_duplicates_all()

    assert {pair.first_id, pair.second_id} == {first.pk, second.pk}


def test_contacts_with_one_e_mail_or_one_name_at_one_organisation():
    anna = ContactFactory(email="anna@firma.example")
    anna_elsewhere = ContactFactory(email="ANNA@firma.example")
    ben = ContactFactory(first_name="Ben", last_name="Tal", email="")
    ben_again = ContactFactory(organisation=ben.organisation, first_name="ben", last_name="Tal", email="b@x.example")
    ContactFactory(first_name="Ben", last_name="Tal")

    found = {(pair.first_id, pair.second_id) for pair in contact_duplicates_all()}

    assert found == {(anna.pk, anna_elsewhere.pk), (ben.pk, ben_again.pk)}


# --- the admin ---------------------------------------------------------------------------------


@pytest.fixture
def duplicates():
    return OrganisationFactory(name="Sensorik Nord GmbH"), OrganisationFactory(name="Sensorik Nord")


def test_staff_see_the_duplicates_and_the_comparison(staff_client, duplicates):
    first, second = duplicates
    duplicates_search()

    listing = staff_client.get(reverse("admin:companies_organisation_duplicates"))
    comparison = staff_client.get(reverse("admin:companies_organisation_merge", args=[first.pk, second.pk]))

    assert listing.status_code == 200 and first.name in listing.content.decode()
    assert reverse("admin:companies_organisation_merge", args=[first.pk, second.pk]) in listing.content.decode()
    assert comparison.status_code == 200 and second.name in comparison.content.decode()


def test_the_merge_page_merges_after_confirmation(staff_client, duplicates):
    first, second = duplicates
    url = reverse("admin:companies_organisation_merge", args=[first.pk, second.pk])
    data = {"survivor": "second", "keep_name": "first"}

    unconfirmed = staff_client.post(url, data)
    assert unconfirmed.status_code == 200 and Organisation.objects.filter(pk=first.pk).exists()

    response = staff_client.post(url, data | {"confirm": "on"})

    assert response.status_code == 302
    assert not Organisation.objects.filter(pk=first.pk).exists()
    second.refresh_from_db()
    assert second.name == "Sensorik Nord GmbH"


@pytest.mark.parametrize("model", ["organisation", "contact"])
def test_the_duplicates_and_merge_pages_need_the_merge_permission(client, django_user_model, model):
    user = django_user_model.objects.create_user(username="clerk", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=[f"view_{model}", f"change_{model}"]))
    client.force_login(user)
    factory = OrganisationFactory if model == "organisation" else ContactFactory
    first, second = factory(), factory()
    pages = [
        reverse(f"admin:companies_{model}_duplicates"),
        reverse(f"admin:companies_{model}_merge", args=[first.pk, second.pk]),
    ]

    assert [client.get(page).status_code for page in pages] == [403, 403]
    user.user_permissions.add(Permission.objects.get(codename=f"merge_{model}"))
    assert [client.get(page).status_code for page in pages] == [200, 200]
