"""The portal's home (what is pending for the organisation the user acts for), the partner
suggestions new since the last visit, the match list's filter and pages, the public profile preview,
deleting a draft partnering profile, and adding oneself as a contact person. Another organisation's
records stay out of reach (404) and unchanged."""

import datetime
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from companies.choices import ConsentPurpose, ProfileState
from companies.models.contacts import ConsentRecord, Contact
from companies.models.profiles import PartneringProfile
from companies.services.contacts import CONSENT_TEXTS, contact_create_self
from companies.services.profiles import partnering_profile_delete
from matchmaking.choices import ContactRequestState, FeedbackVerdict
from matchmaking.models.visits import PortalVisit
from matchmaking.services.visits import VISIT_PAUSE, portal_visit_record
from projects.choices import JoinRequestState
from tests import factories, factories_events
from wfs_portal.choices import District, EventState, RegistrationState

pytestmark = pytest.mark.django_db


def _days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def _home(client):
    return client.get(reverse("portal:start")).context["home"]


# --- the home: what is pending ---------------------------------------------------------------------


def test_the_home_lists_introduction_requests_by_side(client_a, organisation_a, organisation_b):
    received = factories.ContactRequestFactory(requester=organisation_b, target=organisation_a, message="Hallo A")
    sent = factories.ContactRequestFactory(requester=organisation_a, target=factories.OrganisationFactory())
    factories.ContactRequestFactory(
        requester=factories.OrganisationFactory(), target=organisation_a, state=ContactRequestState.DECLINED
    )
    factories.ContactRequestFactory(requester=organisation_b, target=factories.OrganisationFactory())  # not A's

    response = client_a.get(reverse("portal:start"))

    home = response.context["home"]
    assert home.introductions_received == [received]
    assert home.introductions_sent == [sent]
    page = response.content.decode()
    assert reverse("portal_matches:introduction-detail", args=[received.pk]) in page
    assert "Hallo A" in page


def test_the_home_names_profiles_about_to_expire(client_a, organisation_a):
    soon = factories.PartneringProfileFactory(organisation=organisation_a, published=True, valid_until=_days(12))
    factories.PartneringProfileFactory(organisation=organisation_a, published=True, valid_until=_days(31))
    factories.PartneringProfileFactory(organisation=organisation_a, valid_until=_days(5))  # a draft
    factories.PartneringProfileFactory(published=True, valid_until=_days(3))  # somebody else's

    response = client_a.get(reverse("portal:start"))

    assert response.context["home"].expiring_profiles == [soon]
    assert reverse("portal:profile-renew", args=[soon.pk]) in response.content.decode()


def test_the_home_shows_deadlines_coming_up_that_were_not_applied_for(client_a, organisation_a):
    open_booth = factories.JointBoothFactory(registration_deadline=_days(9), fair__name="MEDICA")
    applied = factories.JointBoothFactory(registration_deadline=_days(10))
    factories.BoothRegistrationFactory(booth=applied, organisation=organisation_a)
    factories.JointBoothFactory(registration_deadline=_days(60))  # beyond the six weeks
    factories.JointBoothFactory(registration_deadline=_days(-1))  # passed
    factories.JointBoothFactory(registration_deadline=_days(5), state=EventState.CLOSED)
    full = factories.JointBoothFactory(registration_deadline=_days(5), capacity=1)
    factories.BoothRegistrationFactory(booth=full, state=RegistrationState.CONFIRMED)
    trip = factories.DelegationFactory(registration_deadline=_days(20), title="Unternehmerreise Vietnam")
    registered = factories.DelegationFactory(registration_deadline=_days(20))
    factories.DelegationParticipantFactory(delegation=registered, organisation=organisation_a)
    factories.DelegationFactory(registration_deadline=_days(20), state=EventState.PLANNED)
    factories.DelegationFactory(registration_deadline=None)

    response = client_a.get(reverse("portal:start"))

    deadlines = response.context["home"].deadlines
    assert [(d.title, d.deadline) for d in deadlines] == [
        (f"{open_booth.fair} · {open_booth.title}", _days(9)),
        ("Unternehmerreise Vietnam", _days(20)),
    ]
    page = response.content.decode()
    assert reverse("portal_fairs:booth-apply", args=[open_booth.pk]) in page
    assert reverse("portal_delegations:participant-register", args=[trip.pk]) in page


def test_the_home_shows_open_and_lately_decided_applications_with_their_state(client_a, organisation_a):
    long_ago = timezone.now() - datetime.timedelta(days=60)
    applied = factories.BoothRegistrationFactory(organisation=organisation_a, booth__fair__name="Arab Health")
    factories.BoothRegistrationFactory(
        organisation=organisation_a, state=RegistrationState.CONFIRMED, decided_at=long_ago
    )  # decided long ago: no longer news
    factories.BoothRegistrationFactory(organisation=organisation_a, state=RegistrationState.WITHDRAWN)
    confirmed = factories.DelegationParticipantFactory(
        organisation=organisation_a,
        delegation__title="Unternehmerreise Polen",
        state=RegistrationState.CONFIRMED,
        decided_at=timezone.now() - datetime.timedelta(days=2),
    )
    past_trip = factories.DelegationFactory(start_date=_days(-20), end_date=_days(-15))
    factories.DelegationParticipantFactory(organisation=organisation_a, delegation=past_trip)
    join_request = factories_events.WorkshopJoinRequestFactory(organisation=organisation_a)
    factories_events.WorkshopJoinRequestFactory()  # somebody else's

    response = client_a.get(reverse("portal:start"))

    rows = {(a.title, a.state, a.is_open) for a in response.context["home"].applications}
    assert rows == {
        (f"{applied.booth.fair} · {applied.booth.title}", RegistrationState.APPLIED, True),
        ("Unternehmerreise Polen", RegistrationState.CONFIRMED, False),
        (join_request.workshop.title, JoinRequestState.REQUESTED, True),
    }
    assert confirmed.contact.full_name in response.content.decode()
    # Undecided ones first.
    assert [a.is_open for a in response.context["home"].applications] == [True, True, False]


def test_the_home_says_when_nothing_is_pending(client_a, organisation_a, representative_a):
    factories.ContactFactory(organisation=organisation_a, email=representative_a.user.email)

    home = _home(client_a)

    assert home.nothing_pending
    assert home.own_contact is not None


def test_the_home_shows_join_requests_to_decide_once(client_a, organisation_a):
    request = factories.RepresentativeFactory(requested=True, organisation=organisation_a, message="Einkauf")

    response = client_a.get(reverse("portal:start"))

    assert response.context["home"].join_requests == [request]
    assert response.content.decode().count(reverse("portal:join-request-decide", args=[request.pk])) == 1


def test_the_home_of_b_shows_nothing_of_a(client, organisation_a, organisation_b, representative_b):
    factories.ContactRequestFactory(requester=factories.OrganisationFactory(), target=organisation_a)
    factories.PartneringProfileFactory(organisation=organisation_a, published=True, valid_until=_days(3))
    factories.BoothRegistrationFactory(organisation=organisation_a)
    client.force_login(representative_b.user)

    home = _home(client)

    assert home.organisation == organisation_b
    assert not (home.introductions_received or home.expiring_profiles or home.applications)


def test_the_home_offers_to_add_oneself_as_contact_person(client_a, organisation_a, representative_a):
    page = client_a.get(reverse("portal:start")).content.decode()
    assert reverse("portal:contact-add-self") in page

    # Another address of the user's counts as well, in any case.
    factories.EmailAddressFactory(user=representative_a.user, email="Zweit@Firma.example.de", primary=False)
    factories.ContactFactory(organisation=organisation_a, email="zweit@firma.example.de")

    page = client_a.get(reverse("portal:start")).content.decode()
    assert reverse("portal:contact-add-self") not in page


def test_the_home_costs_the_same_queries_however_much_is_pending(client_a, organisation_a):
    def pending(n: int) -> None:
        for _ in range(n):
            factories.ContactRequestFactory(requester=factories.OrganisationFactory(), target=organisation_a)
            factories.ContactRequestFactory(requester=organisation_a, target=factories.OrganisationFactory())
            factories.PartneringProfileFactory(organisation=organisation_a, published=True, valid_until=_days(9))
            factories.BoothRegistrationFactory(organisation=organisation_a)
            factories.DelegationParticipantFactory(organisation=organisation_a)
            factories_events.WorkshopJoinRequestFactory(organisation=organisation_a)
            factories.JointBoothFactory(registration_deadline=_days(9))
            factories.DelegationFactory(registration_deadline=_days(9))
            factories.MatchFactory(organisation=organisation_a)

    pending(1)
    client_a.get(reverse("portal:start"))  # session and caches warm
    with CaptureQueriesContext(connection) as one:
        client_a.get(reverse("portal:start"))
    pending(4)
    with CaptureQueriesContext(connection) as five:
        response = client_a.get(reverse("portal:start"))

    assert len(response.context["home"].introductions_received) == 5
    assert len(five) == len(one)


# --- new partner suggestions since the last visit ----------------------------------------------------


def _later(minutes: int) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(minutes=minutes)


def test_the_first_visit_marks_nothing_as_new(organisation_a, representative_a):
    factories.MatchFactory(organisation=organisation_a)

    visit = portal_visit_record(user=representative_a.user, organisation=organisation_a)

    assert set(visit.partners_before) == set(visit.partners_seen) != set()


def test_a_partner_added_since_the_last_visit_is_new_for_the_whole_next_visit(
    client_a, organisation_a, representative_a
):
    old = factories.MatchFactory(organisation=organisation_a, rank=0)
    portal_visit_record(user=representative_a.user, organisation=organisation_a)
    added = factories.MatchFactory(organisation=organisation_a, rank=1, partner__name="Neuland Sensorik GmbH")
    PortalVisit.objects.update(seen_at=timezone.now() - VISIT_PAUSE - datetime.timedelta(minutes=1))

    home = _home(client_a)  # the next visit begins

    assert [m.partner for m in home.new_suggestions] == [added.partner]
    assert home.new_suggestion_count == 1
    # Still new on the match list in the same visit, marked, and alone under "only new".
    response = client_a.get(reverse("portal_matches:matches"), {"new": "on"})
    assert [m.partner for m in response.context["matches"]] == [added.partner]
    assert response.context["matches"][0].is_new
    all_rows = client_a.get(reverse("portal_matches:matches")).context["matches"]
    assert {m.partner: m.is_new for m in all_rows} == {old.partner: False, added.partner: True}

    # The visit after that has seen it.
    PortalVisit.objects.update(seen_at=timezone.now() - VISIT_PAUSE - datetime.timedelta(minutes=1))
    assert _home(client_a).new_suggestion_count == 0


def test_visits_are_remembered_per_user_and_organisation(organisation_a, representative_a):
    factories.MatchFactory(organisation=organisation_a)
    colleague = factories.RepresentativeFactory(organisation=organisation_a)
    second = factories.RepresentativeFactory(user=representative_a.user)

    portal_visit_record(user=representative_a.user, organisation=organisation_a)
    portal_visit_record(user=colleague.user, organisation=organisation_a)
    portal_visit_record(user=representative_a.user, organisation=second.organisation)
    portal_visit_record(user=representative_a.user, organisation=organisation_a)

    assert PortalVisit.objects.count() == 3


def test_a_pause_starts_a_new_visit_and_moves_the_baseline(organisation_a, representative_a):
    first = factories.MatchFactory(organisation=organisation_a, rank=0)
    user = representative_a.user
    portal_visit_record(user=user, organisation=organisation_a, now=_later(0))
    second = factories.MatchFactory(organisation=organisation_a, rank=1)

    same_visit = portal_visit_record(user=user, organisation=organisation_a, now=_later(20))
    assert same_visit.partners_before == [first.partner_id]

    next_visit = portal_visit_record(user=user, organisation=organisation_a, now=_later(20 + 31))
    assert set(next_visit.partners_before) == {first.partner_id, second.partner_id}


# --- the match list: filter and pages -------------------------------------------------------------------


def test_the_list_is_paged_by_20_and_the_links_keep_the_filter(client_a, organisation_a):
    for rank in range(45):
        factories.MatchFactory(organisation=organisation_a, rank=rank, score=0.9 - rank / 100)

    response = client_a.get(reverse("portal_matches:matches"), {"kind": "company", "page": "2"})

    assert len(response.context["matches"]) == 20
    assert response.context["page"].number == 2
    assert [m.rank for m in response.context["matches"]] == list(range(20, 40))
    links = set(re.findall(r'href="(\?[^"]*)"', response.content.decode()))
    assert links == {"?kind=company&amp;page=1", "?kind=company&amp;page=3"}
    last = client_a.get(reverse("portal_matches:matches"), {"kind": "company", "page": "3"})
    assert len(last.context["matches"]) == 5
    assert client_a.get(reverse("portal_matches:matches"), {"page": "99"}).context["page"].number == 3


@pytest.fixture
def partners(organisation_a):
    """A's list: a robotics company in Chemnitz, a clinic in Leipzig, and a foreign investor."""
    robotics = factories.TechnologyFieldFactory(slug="robotik-und-automatisierung")
    listed = {
        "robot": factories.OrganisationFactory(
            name="Roboter GmbH", district=District.CHEMNITZ, city="Chemnitz", technology_fields=[robotics]
        ),
        "clinic": factories.OrganisationFactory(
            name="Klinikum Leipzig", kind="clinic", district=District.LEIPZIG_CITY, city="Leipzig"
        ),
        "abroad": factories.OrganisationFactory(name="Pacific Investments Inc.", abroad=True),
    }
    for rank, partner in enumerate(listed.values()):
        factories.MatchFactory(organisation=organisation_a, partner=partner, rank=rank)
    return listed


def _names(client, **params) -> list[str]:
    response = client.get(reverse("portal_matches:matches"), params)
    assert response.status_code == 200
    return [m.partner.name for m in response.context["matches"]]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["Roboter GmbH", "Klinikum Leipzig", "Pacific Investments Inc."]),
        ({"technology_field": "robotik-und-automatisierung"}, ["Roboter GmbH"]),
        ({"kind": "clinic"}, ["Klinikum Leipzig"]),
        ({"region": "chemnitz"}, ["Roboter GmbH"]),
        ({"region": "saxony"}, ["Roboter GmbH", "Klinikum Leipzig"]),
        ({"region": "country:US"}, ["Pacific Investments Inc."]),
        ({"kind": "company", "region": "leipzig"}, []),
    ],
)
def test_the_list_filters(client_a, partners, params, expected):
    assert _names(client_a, **params) == expected


def test_the_list_filters_by_verdict(client_a, organisation_a, partners):
    factories.MatchFeedbackFactory(organisation=organisation_a, partner=partners["clinic"])
    factories.MatchFeedbackFactory(
        organisation=organisation_a, partner=partners["abroad"], verdict=FeedbackVerdict.NOT_RELEVANT
    )
    factories.MatchFeedbackFactory(partner=partners["robot"])  # somebody else's verdict

    assert _names(client_a, feedback="none") == ["Roboter GmbH"]
    assert _names(client_a, feedback="interesting") == ["Klinikum Leipzig"]
    # Partners marked not relevant leave the list with the next computation and are shown apart.
    refused = client_a.get(reverse("portal_matches:matches"), {"feedback": "not_relevant"})
    assert "feedback" in refused.context["form"].errors


def test_the_region_filter_offers_the_countries_of_the_list(client_a, partners):
    form = client_a.get(reverse("portal_matches:matches")).context["form"]

    values = [value for _group, options in form.fields["region"].choices[1:] for value, _label in options]
    assert "country:US" in values and "country:DE" in values and "country:FR" not in values


def test_an_unknown_filter_value_is_reported_and_the_others_still_apply(client_a, partners):
    response = client_a.get(reverse("portal_matches:matches"), {"region": "country:FR", "kind": "clinic"})

    assert [m.partner.name for m in response.context["matches"]] == ["Klinikum Leipzig"]
    assert "region" in response.context["form"].errors


def test_the_empty_filter_result_says_so(client_a, partners):
    response = client_a.get(reverse("portal_matches:matches"), {"kind": "university"})

    assert response.context["matches"] == []
    assert response.context["filtered"]


# --- the public profile preview ------------------------------------------------------------------------


def test_the_preview_shows_what_others_see_and_nothing_else(client_a, organisation_a):
    organisation_a.description_de = "Wir bauen Sensoren für OP-Säle."
    organisation_a.street = "Geheimweg 7"
    organisation_a.save()
    factories.PartneringProfileFactory(organisation=organisation_a, published=True, title_de="Sensorik für OP-Säle")
    factories.PartneringProfileFactory(organisation=organisation_a, title_de="Entwurf: noch geheim")
    person = factories.ContactFactory(organisation=organisation_a, last_name="Vertraulich")

    response = client_a.get(reverse("portal:organisation-preview", args=[organisation_a.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Wir bauen Sensoren" in page and "Sensorik für OP-Säle" in page
    for secret in ("Geheimweg", "Entwurf: noch geheim", "Vertraulich", person.email, organisation_a.email):
        assert secret not in page


def test_the_preview_of_another_organisation_gives_404(client_a, organisation_b):
    assert client_a.get(reverse("portal:organisation-preview", args=[organisation_b.pk])).status_code == 404


def test_the_preview_says_when_nobody_sees_the_organisation_yet(client):
    representative = factories.RepresentativeFactory(organisation=factories.OrganisationFactory(self_registered=True))
    client.force_login(representative.user)

    response = client.get(reverse("portal:organisation-preview", args=[representative.organisation.pk]))

    assert response.status_code == 200
    assert not response.context["organisation"].is_verified
    assert 'class="message warning"' in response.content.decode()


# --- deleting a draft -----------------------------------------------------------------------------------


def test_a_representative_deletes_a_draft_with_an_audit_entry(organisation_a, representative_a):
    draft = factories.PartneringProfileFactory(organisation=organisation_a, title_de="Verworfen")

    partnering_profile_delete(profile=draft, user=representative_a.user)

    assert not PartneringProfile.objects.filter(pk=draft.pk).exists()
    entry = PartneringProfile.history.filter(id=draft.pk).latest("history_date")
    assert entry.history_type == "-"
    assert entry.history_user == representative_a.user
    assert entry.history_change_reason == "companies.profile.draft_deleted_in_portal"
    assert entry.title_de == "Verworfen"


@pytest.mark.parametrize("state", [ProfileState.PUBLISHED, ProfileState.WITHDRAWN, ProfileState.EXPIRED])
def test_only_a_draft_can_be_deleted(organisation_a, representative_a, state):
    profile = factories.PartneringProfileFactory(organisation=organisation_a, published=True)
    PartneringProfile.objects.filter(pk=profile.pk).update(state=state)

    with pytest.raises(ValidationError):
        partnering_profile_delete(profile=profile, user=representative_a.user)

    assert PartneringProfile.objects.filter(pk=profile.pk).exists()


def test_only_a_representative_deletes_a_draft(organisation_a, representative_b, staff_user):
    draft = factories.PartneringProfileFactory(organisation=organisation_a)

    for user in (representative_b.user, staff_user):
        with pytest.raises(PermissionDenied):
            partnering_profile_delete(profile=draft, user=user)

    assert PartneringProfile.objects.filter(pk=draft.pk).exists()


def test_deleting_a_draft_in_the_portal_asks_first(client_a, organisation_a):
    draft = factories.PartneringProfileFactory(organisation=organisation_a)
    url = reverse("portal:profile-delete", args=[draft.pk])
    assert url in client_a.get(reverse("portal:profile-list")).content.decode()

    confirm = client_a.get(url)
    assert confirm.status_code == 200 and confirm.context["deletable"]
    assert PartneringProfile.objects.filter(pk=draft.pk).exists()

    response = client_a.post(url)
    assert response.status_code == 302 and response.url == reverse("portal:profile-list")
    assert not PartneringProfile.objects.filter(pk=draft.pk).exists()


def test_the_portal_refuses_to_delete_a_published_profile(client_a, organisation_a):
    profile = factories.PartneringProfileFactory(organisation=organisation_a, published=True)
    assert (
        reverse("portal:profile-delete", args=[profile.pk])
        not in client_a.get(reverse("portal:profile-list")).content.decode()
    )

    client_a.post(reverse("portal:profile-delete", args=[profile.pk]))

    assert PartneringProfile.objects.get(pk=profile.pk).state == ProfileState.PUBLISHED


def test_deleting_another_organisations_draft_gives_404(client_a, organisation_b):
    draft = factories.PartneringProfileFactory(organisation=organisation_b)

    assert client_a.get(reverse("portal:profile-delete", args=[draft.pk])).status_code == 404
    assert client_a.post(reverse("portal:profile-delete", args=[draft.pk])).status_code == 404
    assert PartneringProfile.objects.filter(pk=draft.pk).exists()


# --- adding oneself as a contact person --------------------------------------------------------------


@pytest.fixture
def named_user(representative_a):
    user = representative_a.user
    user.first_name, user.last_name = "Greta", "Gründerin"
    user.save()
    return user


def test_the_form_is_filled_in_from_the_account(client_a, named_user):
    response = client_a.get(reverse("portal:contact-add-self"))

    form = response.context["form"]
    assert (form["first_name"].value(), form["last_name"].value(), form["email"].value()) == (
        "Greta",
        "Gründerin",
        named_user.email,
    )
    assert form["language"].value() == "de"
    client_a.cookies["django_language"] = "en"  # the language the user reads the portal in
    assert client_a.get(reverse("portal:contact-add-self")).context["form"]["language"].value() == "en"
    # Nothing is ticked for the user.
    assert not any(checkbox.value() for checkbox, _version in form.consent_fields())


def _self_post(user, **consents) -> dict:
    data = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "language": "de",
        "submission": "self-1",
    }
    for purpose, version in consents.items():
        data[f"consent_{purpose}"] = "on"
        data[f"version_{purpose}"] = version
    return data


def test_adding_oneself_records_the_consents_given(client_a, organisation_a, named_user):
    matchmaking = CONSENT_TEXTS[ConsentPurpose.MATCHMAKING].version

    response = client_a.post(reverse("portal:contact-add-self"), _self_post(named_user, matchmaking=matchmaking))

    contact = Contact.objects.get(organisation=organisation_a)
    assert (contact.first_name, contact.email) == ("Greta", named_user.email)
    assert response.url == reverse("portal:contact-consents", args=[contact.pk])
    record = ConsentRecord.objects.get(contact=contact)
    assert (record.purpose, record.text_version, record.recorded_by) == ("matchmaking", matchmaking, named_user)


def test_adding_oneself_without_consents_records_none(client_a, organisation_a, named_user):
    client_a.post(reverse("portal:contact-add-self"), _self_post(named_user))

    assert Contact.objects.filter(organisation=organisation_a).count() == 1
    assert not ConsentRecord.objects.exists()


def test_a_changed_consent_text_adds_nobody(client_a, organisation_a, named_user):
    response = client_a.post(reverse("portal:contact-add-self"), _self_post(named_user, newsletter="1999-01"))

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not Contact.objects.exists() and not ConsentRecord.objects.exists()


def test_the_service_adds_oneself_only_where_one_represents(organisation_b, representative_a):
    with pytest.raises(PermissionDenied):
        contact_create_self(
            organisation=organisation_b,
            user=representative_a.user,
            data={"first_name": "A", "last_name": "B", "email": "", "title": "", "position": "", "phone": "",
                  "language": "de", "is_primary": False},
        )  # fmt: skip
    assert not Contact.objects.exists()


def test_who_is_a_contact_person_already_goes_to_their_consents(client_a, organisation_a, named_user):
    contact = factories.ContactFactory(organisation=organisation_a, email=named_user.email.upper())

    response = client_a.get(reverse("portal:contact-add-self"))

    assert response.url == reverse("portal:contact-consents", args=[contact.pk])
    list_page = client_a.get(reverse("portal:contact-list")).content.decode()
    assert reverse("portal:contact-add-self") not in list_page


def test_the_contact_list_offers_to_add_oneself(client_a):
    assert reverse("portal:contact-add-self") in client_a.get(reverse("portal:contact-list")).content.decode()


def test_adding_oneself_takes_the_accounts_address_whatever_is_sent(client_a, organisation_a, named_user):
    matchmaking = CONSENT_TEXTS[ConsentPurpose.MATCHMAKING].version
    data = {**_self_post(named_user, matchmaking=matchmaking), "email": "jemand.anderes@firma.example.de"}

    client_a.post(reverse("portal:contact-add-self"), data)

    contact = Contact.objects.get(organisation=organisation_a)
    assert contact.email == named_user.email
    page = client_a.get(reverse("portal:contact-add-self"), follow=True).content.decode()
    assert "jemand.anderes" not in page


def test_adding_oneself_twice_is_refused_and_adds_nobody(client_a, organisation_a, named_user):
    factories.ContactFactory(organisation=organisation_a, email=named_user.email)

    response = client_a.post(reverse("portal:contact-add-self"), {**_self_post(named_user), "submission": "self-2"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert Contact.objects.filter(organisation=organisation_a).count() == 1
