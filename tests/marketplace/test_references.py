"""Reference numbers: WFS-<type>-<year>-<number>, given at the first publication, kept after."""

import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from companies.models.profiles import PartneringProfile
from companies.references import looks_like_reference, reference_format
from companies.services.organisations import partnering_profile_publish, partnering_profile_withdraw
from tests import factories
from tests.marketplace.conftest import postgres_only


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_superuser("staff", "staff@wfs.example", "x")


def test_the_format_names_type_year_and_a_four_digit_number():
    assert reference_format("technology_offer", 2027, 1) == "WFS-TO-2027-0001"
    assert reference_format("rd_request", 2027, 12) == "WFS-RD-2027-0012"
    assert looks_like_reference(" wfs-br-2027-0003 ")
    assert not looks_like_reference("WFS-XX-2027-0003")


@pytest.mark.django_db
def test_the_first_publication_gives_the_next_number_of_its_type_and_year_and_it_stays(staff):
    year = timezone.localdate().year
    first = factories.PartneringProfileFactory(type="technology_offer")
    second = factories.PartneringProfileFactory(type="technology_offer")
    request = factories.PartneringProfileFactory(type="technology_request")
    draft = factories.PartneringProfileFactory(type="technology_offer")
    for profile in (first, second, request):
        partnering_profile_publish(profile=profile, user=staff)
    for profile in (first, second, request, draft):
        profile.refresh_from_db()
    assert (first.reference, second.reference) == (f"WFS-TO-{year}-0001", f"WFS-TO-{year}-0002")
    assert request.reference == f"WFS-TR-{year}-0001"
    assert draft.reference == ""
    partnering_profile_withdraw(profile=first, user=staff)
    partnering_profile_publish(profile=first, user=staff)
    first.refresh_from_db()
    assert first.reference == f"WFS-TO-{year}-0001"


@pytest.mark.django_db
def test_two_profiles_cannot_share_a_reference():
    factories.PartneringProfileFactory(reference="WFS-TO-2027-0001")
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        factories.PartneringProfileFactory(reference="WFS-TO-2027-0001")


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_publications_at_once_get_two_numbers(staff):
    profiles = [factories.PartneringProfileFactory(type="business_offer") for _ in range(2)]
    barrier = threading.Barrier(2)
    errors = []

    def publish(profile):
        try:
            barrier.wait()
            partnering_profile_publish(profile=profile, user=staff)
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=publish, args=(p,)) for p in profiles]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    year = timezone.localdate().year
    references = sorted(PartneringProfile.objects.values_list("reference", flat=True))
    assert references == [f"WFS-BO-{year}-0001", f"WFS-BO-{year}-0002"]
    assert connection.vendor == "postgresql"
