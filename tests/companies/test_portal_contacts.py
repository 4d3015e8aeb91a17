"""The portal's contact persons and their consents: list, add, edit, remove (deleted when nothing
refers to the person, else anonymised with the consent history and every count kept), consent per
purpose in the wording shown, withdrawal with one button (recorded, never deleted), and the
permission matrix (anonymous, representative of A, representative of B, staff without a
representation): another organisation's person gives 404 and changes nothing."""

import pytest
from django.urls import reverse
from django.utils import timezone

from companies.choices import ConsentPurpose, ConsentSource
from companies.models.contacts import ConsentRecord, Contact
from companies.selectors import shareable_contacts
from companies.services.contacts import CONSENT_TEXTS, consent_withdraw, contact_remove, contact_update
from tests import factories

pytestmark = pytest.mark.django_db

PURPOSE = ConsentPurpose.PARTNER_SHARING


@pytest.fixture
def contact_a(organisation_a):
    return factories.ContactFactory(organisation=organisation_a, first_name="Anna", last_name="Albrecht")


@pytest.fixture
def contact_b(organisation_b):
    factories.RepresentativeFactory(organisation=organisation_b, administrator=True)
    contact = factories.ContactFactory(organisation=organisation_b, first_name="Bernd", last_name="Bauer")
    factories.ConsentRecordFactory(contact=contact, purpose=PURPOSE)
    return contact


def _snapshot(contact: Contact) -> dict:
    fresh = Contact.objects.get(pk=contact.pk)
    return {
        **{f.attname: getattr(fresh, f.attname) for f in Contact._meta.concrete_fields},
        "consents": list(ConsentRecord.objects.filter(contact=contact).values()),
    }


def _post(**overrides) -> dict:
    data = {
        "title": "Dr.",
        "first_name": "Clara",
        "last_name": "Clausen",
        "position": "Leiterin Vertrieb",
        "email": "clara.clausen@alpha.example.de",
        "phone": "+49 351 123456",
        "language": "de",
    }
    data.update(overrides)
    return data


def _give(client, contact, purpose=PURPOSE, version=None):
    version = version or CONSENT_TEXTS[purpose].version
    return client.post(reverse("portal:consent-give", args=[contact.pk]), {"purpose": purpose, "text_version": version})


# --- permission matrix ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("portal:contact-list", []),
        ("portal:contact-create", []),
        ("portal:contact-edit", [1]),
        ("portal:contact-remove", [1]),
        ("portal:contact-consents", [1]),
    ],
)
def test_anonymous_visitors_are_sent_to_the_login(client, name, args):
    url = reverse(name, args=args)

    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"{reverse('account_login')}?next={url}"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("portal:contact-edit", _post()),
        ("portal:contact-remove", {}),
        ("portal:consent-give", {"purpose": ConsentPurpose.NEWSLETTER, "text_version": "2026-11"}),
        ("portal:consent-withdraw", {"purpose": PURPOSE}),
    ],
)
def test_anonymous_posts_change_nothing(client, contact_b, name, data):
    before = _snapshot(contact_b)

    response = client.post(reverse(name, args=[contact_b.pk]), data)

    assert response.status_code == 302
    assert _snapshot(contact_b) == before


@pytest.mark.parametrize("name", ["portal:contact-edit", "portal:contact-remove", "portal:contact-consents"])
def test_a_foreign_person_cannot_be_seen(client_a, contact_b, name):
    assert client_a.get(reverse(name, args=[contact_b.pk])).status_code == 404


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("portal:contact-edit", _post()),
        ("portal:contact-remove", {}),
        ("portal:consent-give", {"purpose": ConsentPurpose.NEWSLETTER, "text_version": "2026-11"}),
        ("portal:consent-withdraw", {"purpose": PURPOSE}),
    ],
)
def test_a_foreign_person_cannot_be_changed(client_a, contact_b, name, data):
    before = _snapshot(contact_b)

    response = client_a.post(reverse(name, args=[contact_b.pk]), data)

    assert response.status_code == 404
    assert _snapshot(contact_b) == before


def test_staff_without_a_representation_see_nobody_and_change_nothing(staff_client, contact_b):
    before = _snapshot(contact_b)

    listing = staff_client.get(reverse("portal:contact-list"))
    create = staff_client.post(reverse("portal:contact-create"), _post())
    remove = staff_client.post(reverse("portal:contact-remove", args=[contact_b.pk]))
    withdraw = staff_client.post(reverse("portal:consent-withdraw", args=[contact_b.pk]), {"purpose": PURPOSE})

    assert listing.status_code == 200 and listing.context["contacts"] == []
    assert create.status_code == 302 and create.url == reverse("portal:start")
    assert (remove.status_code, withdraw.status_code) == (404, 404)
    assert _snapshot(contact_b) == before
    assert Contact.objects.count() == 1


def test_the_services_refuse_a_user_who_does_not_represent_the_organisation(representative_a, contact_b):
    from django.core.exceptions import PermissionDenied

    before = _snapshot(contact_b)
    for call in (
        lambda: contact_update(contact=contact_b, user=representative_a.user, data={"first_name": "X"}),
        lambda: contact_remove(contact=contact_b, user=representative_a.user),
        lambda: consent_withdraw(contact=contact_b, user=representative_a.user, purpose=PURPOSE),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert _snapshot(contact_b) == before


# --- list, add, edit --------------------------------------------------------------------------------


def test_the_list_shows_the_active_organisations_people_and_their_consents(client_a, contact_a, contact_b):
    factories.ConsentRecordFactory(contact=contact_a, purpose=ConsentPurpose.NEWSLETTER)
    factories.ConsentRecordFactory(contact=contact_a, purpose=PURPOSE, withdrawn_at=timezone.now())

    response = client_a.get(reverse("portal:contact-list"))

    assert response.status_code == 200
    assert response.context["contacts"] == [contact_a]
    assert response.context["contacts"][0].active_consents == [ConsentPurpose.NEWSLETTER.label]
    page = response.content.decode()
    assert "Albrecht" in page and "Bauer" not in page


def test_the_start_page_and_the_navigation_link_the_contacts(client_a):
    page = client_a.get(reverse("portal:start")).content.decode()

    # The start page, and the navigation's two layouts (the header line and the phone's menu).
    assert page.count(f'href="{reverse("portal:contact-list")}"') == 3


def test_adding_a_person(client_a, organisation_a, representative_a):
    response = client_a.post(reverse("portal:contact-create"), _post())

    contact = Contact.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("portal:contact-consents", args=[contact.pk])
    assert contact.organisation == organisation_a
    assert (contact.full_name, contact.email) == ("Dr. Clara Clausen", "clara.clausen@alpha.example.de")
    assert contact.history.latest().history_user == representative_a.user


def test_fields_outside_the_form_are_ignored(client_a, organisation_a, organisation_b):
    client_a.post(reverse("portal:contact-create"), _post(organisation=organisation_b.pk, removed_at="2020-01-01"))

    contact = Contact.objects.get()
    assert (contact.organisation, contact.removed_at) == (organisation_a, None)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"first_name": ""}, "first_name"),
        ({"last_name": ""}, "last_name"),
        ({"email": "keine-adresse"}, "email"),
        ({"phone": "call me"}, "phone"),
        ({"language": "fr"}, "language"),
    ],
)
def test_bad_input_is_refused(client_a, overrides, field):
    response = client_a.post(reverse("portal:contact-create"), _post(**overrides))

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Contact.objects.exists()


def test_the_same_email_twice_at_one_organisation_is_refused(client_a, contact_a):
    response = client_a.post(reverse("portal:contact-create"), _post(email=contact_a.email))

    assert response.status_code == 200
    assert response.context["form"].errors
    assert Contact.objects.count() == 1


def test_editing_a_person(client_a, contact_a):
    response = client_a.post(reverse("portal:contact-edit", args=[contact_a.pk]), _post(position="CEO"))

    assert response.status_code == 302
    contact_a.refresh_from_db()
    assert (contact_a.first_name, contact_a.position) == ("Clara", "CEO")


def test_a_new_primary_contact_takes_the_flag_from_the_previous_one(client_a, organisation_a, contact_a):
    contact_a.is_primary = True
    contact_a.save()

    response = client_a.post(reverse("portal:contact-create"), _post(is_primary="on"))

    assert response.status_code == 302
    contact_a.refresh_from_db()
    assert contact_a.is_primary is False
    assert Contact.objects.get(is_primary=True).last_name == "Clausen"


# --- remove ---------------------------------------------------------------------------------------------


def test_removing_asks_first(client_a, contact_a):
    response = client_a.get(reverse("portal:contact-remove", args=[contact_a.pk]))

    assert response.status_code == 200
    assert Contact.objects.filter(pk=contact_a.pk, removed_at__isnull=True).exists()


def test_a_person_nothing_refers_to_is_deleted(client_a, contact_a):
    response = client_a.post(reverse("portal:contact-remove", args=[contact_a.pk]))

    assert response.status_code == 302
    assert not Contact.objects.filter(pk=contact_a.pk).exists()


@pytest.mark.parametrize("with_consent", [False, True], ids=["deleted", "anonymised"])
def test_a_removed_persons_name_and_details_leave_the_history_too(client_a, contact_a, with_consent):
    if with_consent:
        factories.ConsentRecordFactory(contact=contact_a, purpose=PURPOSE)
    name, email = contact_a.last_name, contact_a.email

    client_a.post(reverse("portal:contact-remove", args=[contact_a.pk]))

    rows = Contact.history.filter(id=contact_a.pk)
    assert rows.count() >= 2  # the changes are still recorded ...
    assert not rows.filter(last_name=name).exists()  # ... without the person
    assert not rows.filter(email=email).exists()


def test_a_person_with_consents_is_anonymised_and_the_history_stays(client_a, contact_a, representative_a):
    active = factories.ConsentRecordFactory(contact=contact_a, purpose=PURPOSE)
    old = factories.ConsentRecordFactory(
        contact=contact_a, purpose=ConsentPurpose.NEWSLETTER, withdrawn_at=timezone.now()
    )
    old_withdrawal = ConsentRecord.objects.get(pk=old.pk).withdrawn_at

    response = client_a.post(reverse("portal:contact-remove", args=[contact_a.pk]))

    assert response.status_code == 302
    contact_a.refresh_from_db()
    assert contact_a.removed_at is not None
    assert (contact_a.first_name, contact_a.last_name, contact_a.email, contact_a.phone) == ("–", "–", "", "")
    active.refresh_from_db()
    assert active.withdrawn_at is not None
    assert ConsentRecord.objects.get(pk=old.pk).withdrawn_at == old_withdrawal
    assert ConsentRecord.objects.filter(contact=contact_a).count() == 2
    assert contact_a not in shareable_contacts()
    listing = client_a.get(reverse("portal:contact-list"))
    assert listing.context["contacts"] == []
    assert client_a.get(reverse("portal:contact-edit", args=[contact_a.pk])).status_code == 404


def test_removing_a_person_keeps_the_fair_and_delegation_figures(client_a, organisation_a, contact_a):
    registration = factories.BoothRegistrationFactory(organisation=organisation_a, contact=contact_a)
    participant = factories.DelegationParticipantFactory(organisation=organisation_a, contact=contact_a)
    booth_count = registration.booth.registrations.count()
    delegation_count = participant.delegation.participants.count()

    client_a.post(reverse("portal:contact-remove", args=[contact_a.pk]))

    registration.refresh_from_db()
    participant.refresh_from_db()
    assert (registration.contact_id, participant.contact_id) == (contact_a.pk, contact_a.pk)
    assert registration.booth.registrations.count() == booth_count
    assert participant.delegation.participants.count() == delegation_count
    assert Contact.objects.get(pk=contact_a.pk).removed_at is not None


# --- consents ---------------------------------------------------------------------------------------------


def test_the_consent_page_shows_each_purposes_text_and_version(client_a, contact_a):
    response = client_a.get(reverse("portal:contact-consents", args=[contact_a.pk]))

    assert response.status_code == 200
    rows = response.context["rows"]
    assert [row["purpose"] for row in rows] == list(ConsentPurpose.values)
    assert all(row["version"] == CONSENT_TEXTS[row["purpose"]].version for row in rows)
    assert str(CONSENT_TEXTS[PURPOSE].text)[:40] in response.content.decode()


def test_every_purpose_has_a_consent_text():
    assert set(CONSENT_TEXTS) == set(ConsentPurpose.values)
    assert all(text.version and str(text.text) for text in CONSENT_TEXTS.values())


def test_giving_consent_records_date_version_source_and_user(client_a, contact_a, representative_a):
    response = _give(client_a, contact_a)

    assert response.status_code == 302
    record = ConsentRecord.objects.get(contact=contact_a)
    assert record.purpose == PURPOSE
    assert record.text_version == CONSENT_TEXTS[PURPOSE].version
    assert record.source == ConsentSource.PORTAL
    assert record.recorded_by == representative_a.user
    assert record.given_at is not None and record.withdrawn_at is None
    assert contact_a in shareable_contacts()


def test_giving_consent_twice_records_it_once(client_a, contact_a):
    _give(client_a, contact_a)
    _give(client_a, contact_a)

    assert ConsentRecord.objects.filter(contact=contact_a).count() == 1


def test_consent_to_an_outdated_text_is_not_recorded(client_a, contact_a):
    response = _give(client_a, contact_a, version="1999-01")

    assert response.status_code == 302
    assert not ConsentRecord.objects.exists()


def test_an_unknown_purpose_is_refused(client_a, contact_a):
    response = client_a.post(
        reverse("portal:consent-give", args=[contact_a.pk]), {"purpose": "telemarketing", "text_version": "2026-11"}
    )

    assert response.status_code == 400
    assert not ConsentRecord.objects.exists()


def test_withdrawing_is_one_click_and_keeps_the_record(client_a, contact_a, representative_a):
    _give(client_a, contact_a)

    response = client_a.post(reverse("portal:consent-withdraw", args=[contact_a.pk]), {"purpose": PURPOSE})

    assert response.status_code == 302
    record = ConsentRecord.objects.get(contact=contact_a)
    assert record.withdrawn_at is not None and record.withdrawn_at >= record.given_at
    assert record.history.latest().history_user == representative_a.user
    assert contact_a not in shareable_contacts()


def test_consent_given_again_after_a_withdrawal_is_a_new_record(client_a, contact_a):
    _give(client_a, contact_a)
    client_a.post(reverse("portal:consent-withdraw", args=[contact_a.pk]), {"purpose": PURPOSE})
    _give(client_a, contact_a)

    records = ConsentRecord.objects.filter(contact=contact_a).order_by("given_at")
    assert [r.withdrawn_at is None for r in records] == [False, True]
    history = client_a.get(reverse("portal:contact-consents", args=[contact_a.pk])).context["history"]
    assert len(history) == 2


def test_withdrawing_without_an_active_consent_changes_nothing(client_a, contact_a):
    response = client_a.post(reverse("portal:consent-withdraw", args=[contact_a.pk]), {"purpose": PURPOSE})

    assert response.status_code == 302
    assert not ConsentRecord.objects.exists()


def test_consent_forms_accept_only_post(client_a, contact_a):
    assert client_a.get(reverse("portal:consent-give", args=[contact_a.pk])).status_code == 405
    assert client_a.get(reverse("portal:consent-withdraw", args=[contact_a.pk])).status_code == 405
    assert not ConsentRecord.objects.exists()
