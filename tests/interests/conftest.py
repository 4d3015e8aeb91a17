import pytest

from companies.choices import ConsentPurpose
from tests import factories


def consenting_contact(organisation, **fields):
    """A contact person of the organisation who agreed to introductions."""
    contact = factories.ContactFactory(organisation=organisation, **fields)
    factories.ConsentRecordFactory(contact=contact, purpose=ConsentPurpose.MATCHMAKING)
    return contact


@pytest.fixture
def contact_a(organisation_a):
    return consenting_contact(
        organisation_a, first_name="Anna", last_name="Albrecht", email="anna.albrecht@alpha.example.de"
    )


@pytest.fixture
def contact_b(organisation_b):
    return consenting_contact(
        organisation_b, first_name="Bernd", last_name="Berger", email="bernd.berger@beta.example.de"
    )


@pytest.fixture
def profile_b(organisation_b):
    return factories.PartneringProfileFactory(
        organisation=organisation_b,
        published=True,
        title_de="Temperaturgeführte Probenlogistik",
        question_1="Welche Temperaturbereiche brauchen Sie?",
        question_2="Wie viele Sendungen im Monat?",
    )
