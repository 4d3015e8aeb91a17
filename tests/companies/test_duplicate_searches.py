"""The stored duplicate search: the task computes and stores the pairs, the admin's page only reads
them, "Search again" hands one task to the outbox, merged pairs vanish, "not a duplicate" sticks."""

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from companies.choices import DuplicateKind
from companies.models.contacts import Contact
from companies.models.duplicates import DuplicateSearch, PossibleDuplicate
from companies.models.organisations import Organisation
from companies.services import duplicates as duplicates_services
from companies.tasks import duplicates_search
from outbox.models import OutboxMessage
from tests.factories import ContactFactory, OrganisationFactory
from wfs_portal.schedules import PERIODIC_TASKS

pytestmark = pytest.mark.django_db

PAGE = "admin:companies_organisation_duplicates"


@pytest.fixture
def pair():
    return OrganisationFactory(name="Sensorik Nord GmbH"), OrganisationFactory(name="Sensorik Nord")


def listed(client, url_name=PAGE, **params) -> str:
    """The page's table of pairs (without the messages above it)."""
    response = client.get(reverse(url_name), params)
    assert response.status_code == 200
    page = response.content.decode()
    return page[page.index('<div class="module">') :]


def test_the_task_computes_and_stores_the_pairs_of_both_kinds(pair):
    # The persons' organisations are named here: two generated names can resemble each other and
    # make a third pair.
    anna = ContactFactory(email="anna@firma.example", organisation__name="Werkzeugbau Vogtland GmbH")
    anna_again = ContactFactory(email="Anna@Firma.example", organisation__name="Klinikum am Elbufer")
    OrganisationFactory(name="Ganz Andere Firma")

    stored = duplicates_search()

    organisations = PossibleDuplicate.objects.get(kind=DuplicateKind.ORGANISATION)
    contacts = PossibleDuplicate.objects.get(kind=DuplicateKind.CONTACT)
    assert stored == 2
    assert (organisations.first_organisation, organisations.second_organisation) == pair
    assert organisations.score >= 90 and organisations.reasons[0][0] == "name"
    assert (contacts.first_contact, contacts.second_contact) == (anna, anna_again)
    searches = DuplicateSearch.objects.filter(finished_at__isnull=False)
    assert sorted(searches.values_list("kind", "pair_count")) == [("contact", 1), ("organisation", 1)]


def test_the_nightly_job_runs_the_search():
    nightly = [spec for spec in PERIODIC_TASKS.values() if spec["task"] == "companies.tasks.duplicates_search"]

    assert len(nightly) == 1 and nightly[0]["description"].startswith("Nightly")


def test_the_page_reads_stored_pairs_without_searching(staff_client, monkeypatch, django_assert_max_num_queries):
    organisations = OrganisationFactory.create_batch(160)
    now = timezone.now()
    PossibleDuplicate.objects.bulk_create(
        PossibleDuplicate(
            kind=DuplicateKind.ORGANISATION,
            first_organisation=organisations[i],
            second_organisation=organisations[i + 1],
            score=100 - i % 20,
            reasons=[["vat", None], ["name", 91]],
            computed_at=now,
        )
        for i in range(0, 150)
    )
    DuplicateSearch.objects.create(
        kind=DuplicateKind.ORGANISATION,
        started_at=now,
        finished_at=timezone.make_aware(timezone.datetime(2026, 12, 6, 15, 7)),
        pair_count=150,
    )

    def no_search(*args, **kwargs):
        raise AssertionError("the page searched")

    monkeypatch.setattr("companies.duplicates.find_organisation_duplicates", no_search)
    monkeypatch.setattr(duplicates_services, "_FINDERS", {DuplicateKind.ORGANISATION: no_search})
    staff_client.get(reverse(PAGE))  # the session and the permission caches filled
    with django_assert_max_num_queries(8), translation.override("de"):
        first_page = listed(staff_client)
    second_page = listed(staff_client, page=2)

    assert first_page.count('name="dismiss"') == 100 and second_page.count('name="dismiss"') == 50
    assert "06.12.2026 15:07" in first_page
    assert "same VAT ID" in first_page or "gleiche USt-IdNr." in first_page


def test_search_again_hands_one_task_to_the_outbox_however_often_clicked(staff_client):
    for _click in range(2):
        response = staff_client.post(reverse(PAGE), {"search": "1"})
        assert response.status_code == 302

    messages = OutboxMessage.objects.filter(task_name="companies.tasks.duplicates_search")
    assert messages.count() == 1 and messages.get().task_args == ["organisation"]
    assert DuplicateSearch.objects.filter(finished_at__isnull=True).count() == 1
    # The staff's page speaks German unless they chose otherwise.
    assert "wird eine neue Suche berechnet" in listed(staff_client)


def test_search_again_stores_the_result_once_the_task_ran(staff_client, pair, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(reverse(PAGE), {"search": "1"})

    search = DuplicateSearch.objects.get()
    assert search.finished_at is not None and search.pair_count == 1
    page = listed(staff_client)
    assert "Sensorik Nord GmbH" in page
    assert reverse("admin:companies_organisation_merge", args=[pair[0].pk, pair[1].pk]) in page


def test_a_merged_pair_vanishes_at_once(staff_client, pair):
    duplicates_search(DuplicateKind.ORGANISATION)
    first, second = pair

    response = staff_client.post(
        reverse("admin:companies_organisation_merge", args=[first.pk, second.pk]),
        {"survivor": "first", "confirm": "on"},
    )

    assert response.status_code == 302 and not Organisation.objects.filter(pk=second.pk).exists()
    assert not PossibleDuplicate.objects.exists()
    assert "Sensorik Nord" not in listed(staff_client)


def test_a_deleted_or_removed_contact_person_leaves_the_list_at_once(staff_client):
    anna, anna_again = ContactFactory(email="anna@firma.example"), ContactFactory(email="anna@firma.example")
    ben, ben_again = ContactFactory(email="ben@firma.example"), ContactFactory(email="ben@firma.example")
    duplicates_search(DuplicateKind.CONTACT)
    page = "admin:companies_contact_duplicates"
    assert anna_again.full_name in listed(staff_client, page) and ben_again.full_name in listed(staff_client, page)

    anna.delete()
    Contact.objects.filter(pk=ben.pk).update(removed_at=timezone.now())  # anonymised, kept for figures

    assert anna_again.full_name not in listed(staff_client, page)
    assert ben_again.full_name not in listed(staff_client, page)


def test_not_a_duplicate_sticks_across_searches_and_can_be_undone(staff_client, staff_user, pair):
    duplicates_search(DuplicateKind.ORGANISATION)
    candidate = PossibleDuplicate.objects.get()

    staff_client.post(reverse(PAGE), {"dismiss": candidate.pk})
    duplicates_search(DuplicateKind.ORGANISATION)

    candidate = PossibleDuplicate.objects.get()
    assert candidate.dismissed_by == staff_user and candidate.dismissed_at is not None
    assert "Sensorik Nord" not in listed(staff_client)
    assert "Sensorik Nord" in listed(staff_client, dismissed="1")

    staff_client.post(reverse(PAGE) + "?dismissed=1", {"restore": candidate.pk})
    duplicates_search(DuplicateKind.ORGANISATION)

    assert PossibleDuplicate.objects.get().dismissed_at is None
    assert "Sensorik Nord" in listed(staff_client)


def test_a_pair_of_the_other_kind_or_a_bad_id_is_not_found(staff_client, pair):
    ContactFactory(email="anna@firma.example")
    ContactFactory(email="anna@firma.example")
    duplicates_search()
    contact_pair = PossibleDuplicate.objects.get(kind=DuplicateKind.CONTACT)

    assert staff_client.post(reverse(PAGE), {"dismiss": contact_pair.pk}).status_code == 404
    assert staff_client.post(reverse(PAGE), {"dismiss": "x"}).status_code == 404
    assert PossibleDuplicate.objects.filter(dismissed_at__isnull=False).count() == 0


def test_a_search_waiting_too_long_is_handed_to_the_outbox_again_without_a_second_message(staff_client):
    staff_client.post(reverse(PAGE), {"search": "1"})
    DuplicateSearch.objects.update(requested_at=timezone.now() - duplicates_services.SEARCH_STALL * 2)

    staff_client.post(reverse(PAGE), {"search": "1"})
    staff_client.post(reverse(PAGE), {"search": "1"})

    # The lost search is asked for again; the message still waiting takes the request (coalesced).
    assert OutboxMessage.objects.filter(task_name="companies.tasks.duplicates_search").count() == 1
    assert DuplicateSearch.objects.count() == 1
