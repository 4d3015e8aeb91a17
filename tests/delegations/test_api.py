"""The delegations app's partner API: the delegation calendar (generic checks in tests/api.py; which
delegations appear, the free places, filters, no personal data) and registrations of a partner's
member organisations for delegations (who may register whom, the portal's rules, the audit history)."""

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from delegations.choices import Direction, ParticipantRole
from delegations.models import DelegationParticipant
from tests.api import MemberRegistrationResourceTests, ReadOnlyResourceTests, ids, key_client
from tests.factories import (
    ClusterFactory,
    ClusterMembershipFactory,
    ContactFactory,
    DelegationFactory,
    DelegationParticipantFactory,
    OrganisationFactory,
    SectorFactory,
    UserFactory,
)
from wfs_portal.choices import EventState, RegistrationState

pytestmark = pytest.mark.django_db

DELEGATIONS = reverse("v1:delegation-list")
PARTICIPANTS = reverse("v1:delegation-participant-list")


def delegation_with_participants(**fields):
    delegation = DelegationFactory(capacity=10, **fields)
    delegation.sectors.set([SectorFactory(code="26.60")])
    DelegationParticipantFactory(delegation=delegation, state=RegistrationState.CONFIRMED)
    DelegationParticipantFactory(delegation=delegation)
    return delegation


class TestDelegations(ReadOnlyResourceTests):
    basename = "delegation"
    scope = "events:read"
    other_scope = "directory:read"

    def visible(self, n=1):
        return [
            delegation_with_participants(direction=Direction.INBOUND if i % 2 else Direction.OUTBOUND) for i in range(n)
        ]

    def hidden(self):
        return [DelegationFactory(state=EventState.PLANNED)]


def english(client: APIClient) -> APIClient:
    """Error messages in English (German is the default language)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


# --- the delegation calendar ------------------------------------------------------------------------


def test_free_places_count_organisations_with_a_confirmed_place():
    delegation = DelegationFactory(capacity=5)
    company = OrganisationFactory()
    # Two persons of one company share a place; press and undecided applications take none.
    DelegationParticipantFactory.create_batch(
        2, delegation=delegation, organisation=company, state=RegistrationState.CONFIRMED
    )
    DelegationParticipantFactory(delegation=delegation, state=RegistrationState.CONFIRMED)
    DelegationParticipantFactory(delegation=delegation, state=RegistrationState.CONFIRMED, role=ParticipantRole.PRESS)
    DelegationParticipantFactory(delegation=delegation)
    unlimited = DelegationFactory(capacity=None)

    client = key_client("events:read")
    data = client.get(reverse("v1:delegation-detail", args=[delegation.pk])).json()

    assert data["free_places"] == 3
    assert client.get(reverse("v1:delegation-detail", args=[unlimited.pk])).json()["free_places"] is None


def test_a_delegation_shows_no_participants_organiser_or_notes():
    delegation = delegation_with_participants(organiser=UserFactory(), political_lead="Staatsminister")

    data = key_client("events:read").get(reverse("v1:delegation-detail", args=[delegation.pk])).json()

    assert not {"participants", "organiser", "notes"} & set(data)
    assert data["countries"] == ["VN"]
    assert data["sectors"][0]["code"] == "26.60"
    assert data["political_lead"] == "Staatsminister"


@pytest.mark.parametrize(
    ("state", "shown"),
    [
        (EventState.PLANNED, False),
        (EventState.OPEN, True),
        (EventState.CLOSED, True),
        (EventState.COMPLETED, True),
        (EventState.CANCELLED, True),
    ],
)
def test_which_delegations_are_public(state, shown):
    delegation = DelegationFactory(state=state)

    assert (delegation.pk in ids(key_client("events:read").get(DELEGATIONS))) is shown


def test_delegations_filter_by_direction_country_dates_state_text_and_openness():
    today = timezone.localdate()
    vietnam = DelegationFactory(title="Unternehmerreise Vietnam", countries=["VN", "TH"])
    late = today + datetime.timedelta(days=300)
    poland = DelegationFactory(
        title="Delegation aus Polen",
        direction=Direction.INBOUND,
        countries=["PL"],
        start_date=late,
        end_date=late,
        registration_deadline=None,
        state=EventState.CLOSED,
    )
    client = key_client("events:read")

    assert ids(client.get(DELEGATIONS, {"direction": "inbound"})) == {poland.pk}
    assert ids(client.get(DELEGATIONS, {"country": "TH"})) == {vietnam.pk}
    assert ids(client.get(DELEGATIONS, {"country": ["PL", "TH"]})) == {vietnam.pk, poland.pk}
    assert ids(client.get(DELEGATIONS, {"starts_after": late.isoformat()})) == {poland.pk}
    assert ids(client.get(DELEGATIONS, {"starts_before": today.isoformat()})) == set()
    assert ids(client.get(DELEGATIONS, {"state": "closed"})) == {poland.pk}
    assert ids(client.get(DELEGATIONS, {"q": "polen"})) == {poland.pk}
    assert ids(client.get(DELEGATIONS, {"open_for_registration": "true"})) == {vietnam.pk}


def test_the_sector_filter_keeps_the_free_places_right():
    delegation = delegation_with_participants()
    delegation.sectors.add(SectorFactory(code="62.01"))

    [row] = key_client("events:read").get(DELEGATIONS, {"sector": "C"}).json()["results"]

    assert row["id"] == delegation.pk
    assert row["free_places"] == 9


def test_updated_since_returns_only_what_changed():
    moment = timezone.now()
    old, new = DelegationFactory(), DelegationFactory()
    type(old).objects.filter(pk=old.pk).update(updated=moment - datetime.timedelta(days=2))

    found = ids(key_client("events:read").get(DELEGATIONS, {"updated_since": moment.isoformat()}))

    assert found == {new.pk}


# --- registrations on behalf of member organisations ------------------------------------------------


def member_of(client: APIClient):
    """A current member of a cluster the key's organisation manages."""
    cluster = ClusterFactory(managing_organisation=client.api_key.organisation)
    return ClusterMembershipFactory(cluster=cluster).organisation


def test_a_partner_registers_a_member_organisation_and_its_person():
    client = key_client("registrations:write")
    member = member_of(client)
    contact = ContactFactory(organisation=member)
    delegation = DelegationFactory()

    response = client.post(
        PARTICIPANTS, {"delegation": delegation.pk, "organisation": member.pk, "contact": contact.pk}, format="json"
    )

    assert response.status_code == 201, response.content
    participant = DelegationParticipant.objects.get(delegation=delegation, organisation=member)
    assert response.json()["id"] == participant.pk
    assert (participant.contact, participant.role, participant.state) == (
        contact,
        ParticipantRole.PARTICIPANT,
        RegistrationState.APPLIED,
    )
    record = participant.history.latest()
    assert record.history_user is None
    assert client.api_key.prefix in record.history_change_reason


def test_a_partner_cannot_register_an_organisation_that_is_not_its_member():
    client = english(key_client("registrations:write"))

    response = client.post(
        PARTICIPANTS, {"delegation": DelegationFactory().pk, "organisation": OrganisationFactory().pk}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["organisation"] == ["No such organisation among those this API key may register."]
    assert not DelegationParticipant.objects.exists()


def test_a_registration_after_the_deadline_is_refused():
    client = english(key_client("registrations:write"))
    delegation = DelegationFactory(registration_deadline=timezone.localdate() - datetime.timedelta(days=1))

    response = client.post(
        PARTICIPANTS, {"delegation": delegation.pk, "organisation": member_of(client).pk}, format="json"
    )

    assert response.status_code == 400
    assert "deadline" in response.json()["delegation"][0]
    assert not DelegationParticipant.objects.exists()


def test_a_delegation_that_is_not_open_is_refused():
    client = english(key_client("registrations:write"))
    delegation = DelegationFactory(state=EventState.CLOSED)

    response = client.post(
        PARTICIPANTS, {"delegation": delegation.pk, "organisation": member_of(client).pk}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["delegation"] == ["This delegation is not open for registration."]
    assert not DelegationParticipant.objects.exists()


def test_a_full_trip_is_refused():
    client = english(key_client("registrations:write"))
    delegation = DelegationFactory(capacity=1)
    DelegationParticipantFactory(delegation=delegation, state=RegistrationState.CONFIRMED)

    response = client.post(
        PARTICIPANTS, {"delegation": delegation.pk, "organisation": member_of(client).pk}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["non_field_errors"] == ["The delegation is full: all 1 places are confirmed."]
    assert DelegationParticipant.objects.filter(delegation=delegation).count() == 1


def test_a_second_person_of_a_company_holding_a_place_may_still_register_on_a_full_trip():
    client = key_client("registrations:write")
    member = member_of(client)
    delegation = DelegationFactory(capacity=1)
    DelegationParticipantFactory(delegation=delegation, organisation=member, state=RegistrationState.CONFIRMED)
    colleague = ContactFactory(organisation=member)

    response = client.post(
        PARTICIPANTS,
        {"delegation": delegation.pk, "organisation": member.pk, "contact": colleague.pk},
        format="json",
    )

    assert response.status_code == 201, response.content


@pytest.mark.parametrize("with_person", [True, False])
def test_a_duplicate_registration_is_refused(with_person):
    client = english(key_client("registrations:write"))
    member = member_of(client)
    existing = DelegationParticipantFactory(
        organisation=member, contact=ContactFactory(organisation=member) if with_person else None
    )
    body = {"delegation": existing.delegation_id, "organisation": member.pk}
    if with_person:
        body["contact"] = existing.contact_id

    response = client.post(PARTICIPANTS, body, format="json")

    assert response.status_code == 400
    expected = "This person is" if with_person else "This organisation is"
    assert response.json()["non_field_errors"] == [f"{expected} already registered for this delegation."]
    assert DelegationParticipant.objects.filter(delegation=existing.delegation).count() == 1


def test_registering_needs_the_registrations_scope():
    client = key_client("events:read")

    response = client.post(
        PARTICIPANTS, {"delegation": DelegationFactory().pk, "organisation": member_of(client).pk}, format="json"
    )

    assert response.status_code == 403
    assert client.get(PARTICIPANTS).status_code == 403
    assert not DelegationParticipant.objects.exists()


def test_anonymous_registering_gets_401():
    response = APIClient().post(
        PARTICIPANTS, {"delegation": DelegationFactory().pk, "organisation": OrganisationFactory().pk}, format="json"
    )

    assert response.status_code == 401
    assert not DelegationParticipant.objects.exists()


def test_a_partner_reads_back_its_members_registrations_only():
    client = key_client("registrations:write")
    own = DelegationParticipantFactory(organisation=member_of(client), notes="Intern")
    foreign = DelegationParticipantFactory()

    assert ids(client.get(PARTICIPANTS)) == {own.pk}
    detail = client.get(reverse("v1:delegation-participant-detail", args=[own.pk]))
    assert detail.status_code == 200
    assert "notes" not in detail.json()
    assert client.get(reverse("v1:delegation-participant-detail", args=[foreign.pk])).status_code == 404


def test_staff_register_any_organisation_under_their_own_name(staff_client, staff_user):
    organisation = OrganisationFactory()
    delegation = DelegationFactory()

    response = staff_client.post(
        PARTICIPANTS, {"delegation": delegation.pk, "organisation": organisation.pk}, content_type="application/json"
    )

    assert response.status_code == 201, response.content
    participant = DelegationParticipant.objects.get(delegation=delegation, organisation=organisation)
    assert participant.history.latest().history_user == staff_user


def test_the_participant_list_costs_the_same_queries_for_5_and_50_rows():
    client = key_client("registrations:write")
    member_cluster = ClusterFactory(managing_organisation=client.api_key.organisation)
    client.get(PARTICIPANTS)  # the key's "last used" is written once a minute, not counted

    def add(n):
        for _ in range(n):
            DelegationParticipantFactory(organisation=ClusterMembershipFactory(cluster=member_cluster).organisation)

    counts = []
    for n in (5, 45):
        add(n)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(PARTICIPANTS, {"page_size": 100})
        assert response.status_code == 200
        counts.append((len(response.json()["results"]), len(queries)))
    assert [rows for rows, _ in counts] == [5, 50]
    assert counts[0][1] == counts[1][1]


class TestDelegationParticipants(MemberRegistrationResourceTests):
    """A key reads back the delegation participants of its own members only."""

    basename = "delegation-participant"
    scope = "registrations:write"

    def visible(self, n=1):
        return [DelegationParticipantFactory(organisation=self.member()) for _ in range(n)]

    def hidden(self):
        return [DelegationParticipantFactory()]
