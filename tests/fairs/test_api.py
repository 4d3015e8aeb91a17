"""The fairs app's partner API: the fair calendar (generic checks in tests/api.py; which fairs and
booths appear, the free places, filters) and registrations of a partner's member organisations for
joint booths (who may register whom, the portal's rules, the audit history)."""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from fairs.models import BoothRegistration, JointBooth
from tests.api import MemberRegistrationResourceTests, ReadOnlyResourceTests, ids, key_client
from tests.factories import (
    BoothRegistrationFactory,
    ClusterFactory,
    ClusterMembershipFactory,
    ContactFactory,
    JointBoothFactory,
    OrganisationFactory,
    SectorFactory,
    TradeFairFactory,
)
from wfs_portal.choices import EventState, RegistrationState

pytestmark = pytest.mark.django_db

FAIRS = reverse("v1:trade-fair-list")
REGISTRATIONS = reverse("v1:booth-registration-list")


def fair_with_booth(**booth_fields):
    """A fair with an open joint booth, a confirmed and an undecided registration and a sector."""
    booth = JointBoothFactory(**booth_fields)
    booth.fair.sectors.set([SectorFactory(code="26.60")])
    BoothRegistrationFactory(booth=booth, state=RegistrationState.CONFIRMED)
    BoothRegistrationFactory(booth=booth)
    return booth.fair


class TestTradeFairs(ReadOnlyResourceTests):
    basename = "trade-fair"
    scope = "events:read"
    other_scope = "directory:read"

    def visible(self, n=1):
        return [fair_with_booth() for _ in range(n)]

    def hidden(self):
        return [TradeFairFactory(), JointBoothFactory(state=EventState.PLANNED).fair]


def english(client: APIClient) -> APIClient:
    """Error messages in English (German is the default language)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


# --- the fair calendar -----------------------------------------------------------------------------


def test_a_fair_shows_its_public_booths_with_free_places_and_area_but_no_fees_or_notes():
    booth = JointBoothFactory(capacity=8, total_area_m2=Decimal("100.00"), notes="Intern: Standbauer X")
    BoothRegistrationFactory.create_batch(2, booth=booth, state=RegistrationState.CONFIRMED)  # 12 m² each
    BoothRegistrationFactory(booth=booth, state=RegistrationState.APPLIED)  # takes no place yet
    BoothRegistrationFactory(booth=booth, state=RegistrationState.WITHDRAWN)
    JointBoothFactory(fair=booth.fair, state=EventState.PLANNED)  # internal: not shown

    data = key_client("events:read").get(reverse("v1:trade-fair-detail", args=[booth.fair.pk])).json()

    [shown] = data["booths"]
    assert shown["id"] == booth.pk
    assert shown["free_places"] == 6
    assert shown["free_area_m2"] == "76.00"
    assert shown["is_open_for_registration"] is True
    assert not {"notes", "fee_per_m2_with_construction", "fee_per_m2_without_construction"} & set(shown)
    assert "registrations" not in data


def test_a_full_booth_shows_no_free_places():
    booth = JointBoothFactory(capacity=1)
    BoothRegistrationFactory(booth=booth, state=RegistrationState.CONFIRMED)

    data = key_client("events:read").get(reverse("v1:trade-fair-detail", args=[booth.fair.pk])).json()

    assert data["booths"][0]["free_places"] == 0


def test_closed_and_cancelled_booths_stay_visible_so_that_partners_learn_of_them():
    closed = JointBoothFactory(state=EventState.CLOSED)
    cancelled = JointBoothFactory(state=EventState.CANCELLED)

    found = ids(key_client("events:read").get(FAIRS))

    assert found == {closed.fair_id, cancelled.fair_id}


def test_trade_fairs_filter_by_country_dates_state_text_and_openness():
    today = timezone.localdate()
    dubai = JointBoothFactory(fair=TradeFairFactory(name="Arab Health", country="AE")).fair
    late = today + datetime.timedelta(days=400)
    chicago = JointBoothFactory(
        fair=TradeFairFactory(name="Automate", city="Chicago", country="US", start_date=late),
        state=EventState.CLOSED,
    ).fair
    past_deadline = JointBoothFactory(registration_deadline=today - datetime.timedelta(days=1)).fair
    client = key_client("events:read")

    assert ids(client.get(FAIRS, {"country": "US"})) == {chicago.pk}
    before_chicago = (late - datetime.timedelta(days=1)).isoformat()
    assert ids(client.get(FAIRS, {"starts_after": before_chicago})) == {chicago.pk}
    assert ids(client.get(FAIRS, {"starts_before": before_chicago})) == {dubai.pk, past_deadline.pk}
    assert ids(client.get(FAIRS, {"state": "closed"})) == {chicago.pk}
    assert ids(client.get(FAIRS, {"q": "chicago"})) == {chicago.pk}
    assert ids(client.get(FAIRS, {"open_for_registration": "true"})) == {dubai.pk}
    assert ids(client.get(FAIRS, {"open_for_registration": "false"})) == {chicago.pk, past_deadline.pk}


def test_asking_for_planned_booths_reveals_nothing():
    fair = JointBoothFactory().fair
    JointBoothFactory(fair=fair, state=EventState.PLANNED)

    assert ids(key_client("events:read").get(FAIRS, {"state": "planned"})) == set()


def test_updated_since_includes_fairs_whose_booth_changed():
    moment = timezone.now()
    booth = JointBoothFactory()
    untouched = JointBoothFactory()
    for fair in (booth.fair, untouched.fair):
        type(fair).objects.filter(pk=fair.pk).update(updated=moment - datetime.timedelta(days=2))
    JointBooth.objects.filter(pk=untouched.pk).update(updated=moment - datetime.timedelta(days=2))

    found = ids(key_client("events:read").get(FAIRS, {"updated_since": moment.isoformat()}))

    assert found == {booth.fair_id}


def test_a_bad_filter_value_is_a_400_naming_the_parameter():
    response = key_client("events:read").get(FAIRS, {"starts_after": "soon"})

    assert response.status_code == 400
    assert "starts_after" in response.json()


# --- registrations on behalf of member organisations ------------------------------------------------


def member_of(client: APIClient):
    """A current member of a cluster the key's organisation manages."""
    cluster = ClusterFactory(managing_organisation=client.api_key.organisation)
    return ClusterMembershipFactory(cluster=cluster).organisation


def application(booth, organisation, **fields) -> dict:
    return {"booth": booth.pk, "organisation": organisation.pk, "requested_area_m2": "12.00", **fields}


def test_a_partner_registers_a_member_organisation():
    client = key_client("registrations:write")
    member = member_of(client)
    booth = JointBoothFactory()
    contact = ContactFactory(organisation=member)

    response = client.post(
        REGISTRATIONS, application(booth, member, contact=contact.pk, products="Sensoren"), format="json"
    )

    assert response.status_code == 201, response.content
    registration = BoothRegistration.objects.get(booth=booth, organisation=member)
    assert response.json()["id"] == registration.pk
    assert response.json()["state"] == "applied"
    assert registration.contact == contact
    assert registration.requested_area_m2 == Decimal("12.00")
    assert registration.products == "Sensoren"
    record = registration.history.latest()
    assert record.history_user is None
    assert client.api_key.prefix in record.history_change_reason


def test_a_partner_cannot_register_an_organisation_that_is_not_its_member():
    client = english(key_client("registrations:write"))
    stranger = OrganisationFactory()
    former = member_of(client)
    former.cluster_memberships.update(until=datetime.date(2021, 12, 31))

    for organisation in (stranger, former):
        response = client.post(REGISTRATIONS, application(JointBoothFactory(), organisation), format="json")
        assert response.status_code == 400
        assert response.json()["organisation"] == ["No such organisation among those this API key may register."]
    assert not BoothRegistration.objects.exists()


def test_a_contact_person_of_another_organisation_is_refused():
    client = key_client("registrations:write")
    member = member_of(client)

    response = client.post(
        REGISTRATIONS, application(JointBoothFactory(), member, contact=ContactFactory().pk), format="json"
    )

    assert response.status_code == 400
    assert "contact" in response.json()
    assert not BoothRegistration.objects.exists()


def test_a_registration_after_the_deadline_is_refused():
    client = english(key_client("registrations:write"))
    booth = JointBoothFactory(registration_deadline=timezone.localdate() - datetime.timedelta(days=1))

    response = client.post(REGISTRATIONS, application(booth, member_of(client)), format="json")

    assert response.status_code == 400
    assert "deadline" in response.json()["booth"][0]
    assert not BoothRegistration.objects.exists()


@pytest.mark.parametrize("state", [EventState.CLOSED, EventState.CANCELLED, EventState.COMPLETED])
def test_a_booth_that_is_not_open_is_refused(state):
    client = english(key_client("registrations:write"))
    booth = JointBoothFactory(state=state)

    response = client.post(REGISTRATIONS, application(booth, member_of(client)), format="json")

    assert response.status_code == 400
    assert response.json()["booth"] == ["This joint booth is not open for registration."]
    assert not BoothRegistration.objects.exists()


def test_a_planned_booth_is_unknown_to_partners():
    client = key_client("registrations:write")
    booth = JointBoothFactory(state=EventState.PLANNED)

    response = client.post(REGISTRATIONS, application(booth, member_of(client)), format="json")

    assert response.status_code == 400
    assert "booth" in response.json()
    assert not BoothRegistration.objects.exists()


def test_a_full_booth_is_refused():
    client = english(key_client("registrations:write"))
    booth = JointBoothFactory(capacity=1)
    BoothRegistrationFactory(booth=booth, state=RegistrationState.CONFIRMED)

    response = client.post(REGISTRATIONS, application(booth, member_of(client)), format="json")

    assert response.status_code == 400
    assert response.json()["non_field_errors"] == ["The booth is full: all 1 places are confirmed."]
    assert BoothRegistration.objects.filter(booth=booth).count() == 1


def test_more_area_than_is_left_is_refused():
    client = key_client("registrations:write")
    booth = JointBoothFactory(total_area_m2=Decimal("20.00"))
    BoothRegistrationFactory(booth=booth, state=RegistrationState.CONFIRMED, requested_area_m2=Decimal("12.00"))

    response = client.post(
        REGISTRATIONS, application(booth, member_of(client), requested_area_m2="9.00"), format="json"
    )

    assert response.status_code == 400
    assert "requested_area_m2" in response.json()
    assert BoothRegistration.objects.filter(booth=booth).count() == 1


def test_a_second_registration_of_the_same_organisation_is_refused():
    client = english(key_client("registrations:write"))
    member = member_of(client)
    existing = BoothRegistrationFactory(organisation=member)

    response = client.post(REGISTRATIONS, application(existing.booth, member), format="json")

    assert response.status_code == 400
    assert response.json()["non_field_errors"] == ["This organisation has already registered for this booth."]
    assert BoothRegistration.objects.filter(booth=existing.booth).count() == 1


@pytest.mark.parametrize("area", ["0", "-3", "abc"])
def test_an_invalid_area_is_refused(area):
    client = key_client("registrations:write")

    response = client.post(
        REGISTRATIONS, application(JointBoothFactory(), member_of(client), requested_area_m2=area), format="json"
    )

    assert response.status_code == 400
    assert "requested_area_m2" in response.json()
    assert not BoothRegistration.objects.exists()


def test_registering_needs_the_registrations_scope():
    client = key_client("events:read", "directory:read")

    response = client.post(REGISTRATIONS, application(JointBoothFactory(), member_of(client)), format="json")

    assert response.status_code == 403
    assert "registrations:write" in response.json()["detail"]
    assert client.get(REGISTRATIONS).status_code == 403
    assert not BoothRegistration.objects.exists()


def test_anonymous_registering_gets_401():
    member = OrganisationFactory()

    response = APIClient().post(REGISTRATIONS, application(JointBoothFactory(), member), format="json")

    assert response.status_code == 401
    assert not BoothRegistration.objects.exists()


def test_registrations_are_not_changed_or_deleted_through_the_api():
    client = key_client("registrations:write")
    registration = BoothRegistrationFactory(organisation=member_of(client))
    url = reverse("v1:booth-registration-detail", args=[registration.pk])

    assert client.patch(url, {"requested_area_m2": "50.00"}, format="json").status_code == 405
    assert client.delete(url).status_code == 405
    registration.refresh_from_db()
    assert registration.requested_area_m2 == Decimal("12.00")


def test_a_partner_reads_back_its_members_registrations_only():
    client = key_client("registrations:write")
    own = BoothRegistrationFactory(organisation=member_of(client))
    foreign = BoothRegistrationFactory()

    assert ids(client.get(REGISTRATIONS)) == {own.pk}
    assert client.get(reverse("v1:booth-registration-detail", args=[own.pk])).status_code == 200
    assert client.get(reverse("v1:booth-registration-detail", args=[foreign.pk])).status_code == 404


def test_registrations_filter_by_booth_fair_and_state():
    client = key_client("registrations:write")
    member = member_of(client)
    first = BoothRegistrationFactory(organisation=member)
    second = BoothRegistrationFactory(organisation=member, state=RegistrationState.CONFIRMED)

    assert ids(client.get(REGISTRATIONS, {"booth": first.booth_id})) == {first.pk}
    assert ids(client.get(REGISTRATIONS, {"fair": second.booth.fair_id})) == {second.pk}
    assert ids(client.get(REGISTRATIONS, {"state": "confirmed"})) == {second.pk}


def test_staff_register_any_organisation_under_their_own_name(staff_client, staff_user):
    organisation = OrganisationFactory()
    booth = JointBoothFactory()

    response = staff_client.post(REGISTRATIONS, application(booth, organisation), content_type="application/json")

    assert response.status_code == 201, response.content
    registration = BoothRegistration.objects.get(booth=booth, organisation=organisation)
    assert registration.history.latest().history_user == staff_user
    assert registration.pk in ids(staff_client.get(REGISTRATIONS))


def test_the_registration_list_costs_the_same_queries_for_5_and_50_rows():
    client = key_client("registrations:write")
    member_cluster = ClusterFactory(managing_organisation=client.api_key.organisation)
    client.get(REGISTRATIONS)  # the key's "last used" is written once a minute, not counted

    def add(n):
        for _ in range(n):
            BoothRegistrationFactory(organisation=ClusterMembershipFactory(cluster=member_cluster).organisation)

    counts = []
    for n in (5, 45):
        add(n)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(REGISTRATIONS, {"page_size": 100})
        assert response.status_code == 200
        counts.append((len(response.json()["results"]), len(queries)))
    assert [rows for rows, _ in counts] == [5, 50]
    assert counts[0][1] == counts[1][1]


class TestBoothRegistrations(MemberRegistrationResourceTests):
    """A key reads back the booth registrations of its own members only."""

    basename = "booth-registration"
    scope = "registrations:write"

    def visible(self, n=1):
        return [BoothRegistrationFactory(organisation=self.member()) for _ in range(n)]

    def hidden(self):
        return [BoothRegistrationFactory()]
