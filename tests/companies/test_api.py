"""The companies app's partner API: the directory resources (generic checks in tests/api.py) and
what is special about each: who appears, personal data only with consent, filters."""

import datetime

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from companies.choices import ConsentPurpose
from companies.models.api_keys import PartnerApiKey
from companies.models.classifications import Sector, TechnologyField
from tests.api import ReadOnlyResourceTests, ids, key_client
from tests.factories import (
    ClusterFactory,
    ClusterMembershipFactory,
    ConsentRecordFactory,
    ContactFactory,
    OrganisationFactory,
    PartneringProfileFactory,
    SectorFactory,
    TechnologyFieldFactory,
)

pytestmark = pytest.mark.django_db


def with_classification(org):
    org.sectors.set([SectorFactory(code="26.51")])
    org.technology_fields.set([TechnologyFieldFactory(slug="logistik")])
    ClusterMembershipFactory(organisation=org)
    return org


class TestOrganisations(ReadOnlyResourceTests):
    basename = "organisation"
    scope = "directory:read"

    def visible(self, n=1):
        return [with_classification(OrganisationFactory()) for _ in range(n)]

    def hidden(self):
        return [OrganisationFactory(self_registered=True), OrganisationFactory(rejected=True)]


class TestClusters(ReadOnlyResourceTests):
    basename = "cluster"
    scope = "directory:read"

    def visible(self, n=1):
        clusters = ClusterFactory.create_batch(n)
        for cluster in clusters:
            cluster.technology_fields.set([TechnologyFieldFactory(slug="ikt")])
        return clusters

    def hidden(self):
        return []


class TestClusterMemberships(ReadOnlyResourceTests):
    basename = "cluster-membership"
    scope = "directory:read"

    def visible(self, n=1):
        return ClusterMembershipFactory.create_batch(n)

    def hidden(self):
        return [
            ClusterMembershipFactory(organisation=OrganisationFactory(self_registered=True)),
            ClusterMembershipFactory(since=datetime.date(2010, 1, 1), until=datetime.date(2015, 1, 1)),
        ]


class TestPartneringProfiles(ReadOnlyResourceTests):
    basename = "partnering-profile"
    scope = "directory:read"

    def visible(self, n=1):
        profiles = PartneringProfileFactory.create_batch(n, published=True)
        for profile in profiles:
            profile.sectors.set([SectorFactory(code="26.51")])
            profile.technology_fields.set([TechnologyFieldFactory(slug="logistik")])
        return profiles

    def hidden(self):
        expired = PartneringProfileFactory(published=True)
        expired.valid_until = timezone.localdate() - datetime.timedelta(days=1)
        expired.save()
        return [
            PartneringProfileFactory(),  # draft
            expired,
            PartneringProfileFactory(published=True, organisation=OrganisationFactory(self_registered=True)),
        ]


class TestContacts(ReadOnlyResourceTests):
    """Personal data: only persons who consented to sharing with partners, only for contacts:read."""

    basename = "contact"
    scope = "contacts:read"
    other_scope = "directory:read"

    def visible(self, n=1):
        contacts = ContactFactory.create_batch(n)
        for contact in contacts:
            ConsentRecordFactory(contact=contact, purpose=ConsentPurpose.PARTNER_SHARING)
        return contacts

    def hidden(self):
        withdrawn = ContactFactory()
        ConsentRecordFactory(contact=withdrawn, purpose=ConsentPurpose.PARTNER_SHARING, withdrawn_at=timezone.now())
        other_purpose = ContactFactory()
        ConsentRecordFactory(contact=other_purpose, purpose=ConsentPurpose.NEWSLETTER)
        unverified = ContactFactory(organisation=OrganisationFactory(self_registered=True))
        ConsentRecordFactory(contact=unverified, purpose=ConsentPurpose.PARTNER_SHARING)
        return [ContactFactory(), withdrawn, other_purpose, unverified]


class TestSectors(ReadOnlyResourceTests):
    basename = "sector"
    scope = "directory:read"

    def visible(self, n=1):
        return list(Sector.objects.order_by("code")[:n])

    def hidden(self):
        return []

    def test_the_query_count_does_not_grow_with_the_rows(self):
        """The classification is fixed data: pages of 5 and 100 sectors cost the same."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client = key_client(self.scope)
        client.get(self.list_url())
        counts = []
        for size in (5, 100):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(self.list_url(), {"page_size": size}).status_code == 200
            counts.append(len(queries))
        assert counts[0] == counts[1]


class TestTechnologyFields(ReadOnlyResourceTests):
    basename = "technology-field"
    scope = "directory:read"

    def visible(self, n=1):
        return [TechnologyFieldFactory(new=True) for _ in range(n)]

    def hidden(self):
        return [TechnologyFieldFactory(new=True, is_active=False)]


# --- what is special about the directory -------------------------------------------------------------


def test_organisations_filter_by_kind_district_sector_field_and_text():
    client = key_client("directory:read")
    client.api_key.organisation.__class__.objects.filter(pk=client.api_key.organisation_id).update(district="zwickau")
    dresden = with_classification(OrganisationFactory(name="Sensorwerk Dresden GmbH", district="dresden"))
    institute = OrganisationFactory(kind="research", district="leipzig", name="Institut für Proben")
    url = reverse("v1:organisation-list")

    assert ids(client.get(url, {"kind": "research"})) == {institute.pk}
    assert ids(client.get(url, {"district": "dresden"})) == {dresden.pk}
    assert ids(client.get(url, {"sector": "C"})) == {dresden.pk}  # a section includes its classes
    assert ids(client.get(url, {"technology_field": "logistik"})) == {dresden.pk}
    assert ids(client.get(url, {"q": "sensorwerk"})) == {dresden.pk}


def test_updated_since_returns_only_what_changed():
    old = OrganisationFactory()
    moment = timezone.now()
    new = OrganisationFactory()
    type(old).objects.filter(pk=old.pk).update(updated=moment - datetime.timedelta(days=2))
    found = ids(
        key_client("directory:read").get(reverse("v1:organisation-list"), {"updated_since": moment.isoformat()})
    )
    assert new.pk in found and old.pk not in found


def test_a_bad_filter_value_is_a_400_naming_the_parameter():
    response = key_client("directory:read").get(reverse("v1:organisation-list"), {"updated_since": "yesterday"})
    assert response.status_code == 400
    assert "updated_since" in response.json()


def test_the_directory_never_shows_contact_persons_or_internal_fields():
    org = with_classification(OrganisationFactory(rejection_reason="", corporate_group="Geheim AG"))
    data = key_client("directory:read").get(reverse("v1:organisation-detail", args=[org.pk])).json()
    assert "contacts" not in data and "corporate_group" not in data and "vat_id" not in data
    assert data["sectors"][0]["code"] == "26.51"
    assert data["cluster_memberships"][0]["role"] == "member"


def test_using_a_key_records_when_it_was_last_used():
    client = key_client("directory:read")
    assert client.api_key.last_used_at is None
    client.get(reverse("v1:organisation-list"))
    assert PartnerApiKey.objects.get(pk=client.api_key.pk).last_used_at is not None


def test_requests_above_the_keys_limit_get_429_with_retry_after(settings):
    from django.core.cache import cache

    cache.clear()
    client = key_client("directory:read", throttle_rate="2/min")
    url = reverse("v1:technology-field-list")
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200
    response = client.get(url)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


# --- schema, documentation, keys ---------------------------------------------------------------------


def test_the_schema_validates_without_warnings():
    import io

    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    schema = out.getvalue()
    assert "/api/v1/organisations/" in schema and "ApiKey" in schema


def test_the_documentation_page_loads_its_assets_from_the_portal_itself(client):
    page = client.get(reverse("api-docs")).content.decode()
    assert "swagger-ui" in page
    assert "cdn" not in page.lower() and "unpkg" not in page.lower()


def test_create_api_key_prints_a_working_key_on_its_last_line(capsys):
    partner = OrganisationFactory(name="biosaxony e. V.", kind="network")
    call_command("create_api_key", "--partner", "biosaxony e. V.", "--scopes", "directory:read,members:write")
    key = capsys.readouterr().out.strip().splitlines()[-1]

    api_key = PartnerApiKey.objects.get(organisation=partner)
    assert api_key.scopes == ["directory:read", "members:write"]
    assert key not in api_key.hashed_key  # stored hashed
    response = APIClient().get(reverse("v1:organisation-list"), HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--partner", "Nobody", "--scopes", "directory:read"], "No organisation"),
        (["--partner", "biosaxony e. V.", "--scopes", "directory:write"], "Unknown scopes"),
        (["--partner", "biosaxony e. V.", "--scopes", "directory:read", "--expires", "2001-01-01"], "past"),
    ],
)
def test_create_api_key_says_what_is_wrong(arguments, message):
    from django.core.management.base import CommandError

    OrganisationFactory(name="biosaxony e. V.", kind="network")
    with pytest.raises(CommandError, match=message):
        call_command("create_api_key", *arguments)
    assert not PartnerApiKey.objects.exists()


def test_staff_create_a_key_in_the_admin_and_see_it_once(staff_client):
    partner = OrganisationFactory(kind="network")
    response = staff_client.post(
        reverse("admin:companies_partnerapikey_add"),
        {
            "organisation": partner.pk,
            "name": "Sync",
            "scopes": ["directory:read", "members:write"],
            "throttle_rate": "",
        },
        follow=True,
    )
    assert response.status_code == 200
    api_key = PartnerApiKey.objects.get(organisation=partner)
    assert api_key.scopes == ["directory:read", "members:write"]
    shown = [str(m) for m in response.context["messages"]]
    assert any(api_key.prefix in m for m in shown)
    assert TechnologyField.objects.exists()


def test_a_staff_session_needs_the_csrf_token_to_write(staff_user):
    from rest_framework.test import APIClient as Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)
    cluster = ClusterFactory()
    response = client.post(reverse("v1:member-list-sync", args=[cluster.pk]), {"members": []}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_an_unknown_api_address_is_a_json_404(client):
    response = client.get("/api/v1/organisations/1.5/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()


def test_a_page_beyond_the_last_is_a_404():
    response = key_client("directory:read").get(reverse("v1:organisation-list"), {"page": 999})
    assert response.status_code == 404


@pytest.mark.parametrize("moment", ["2480-06-12T08:23:25+16:53", "2020-01-01T00:00:00-23:59"])
def test_a_moment_with_any_iso_offset_filters_without_error(moment):
    response = key_client("directory:read").get(reverse("v1:organisation-list"), {"updated_since": moment})
    assert response.status_code == 200


def test_a_moment_before_the_calendar_in_utc_is_a_400():
    response = key_client("directory:read").get(
        reverse("v1:organisation-list"), {"updated_since": "0001-01-01T00:00:00+05:00"}
    )
    assert response.status_code == 400
    assert "updated_since" in response.json()


def test_organisations_filter_by_country_codes():
    polish = OrganisationFactory(abroad=True, country="PL")
    client = key_client("directory:read")
    url = reverse("v1:organisation-list")
    assert polish.pk in ids(client.get(url, {"country": "pl,cz"}))
    assert polish.pk not in ids(client.get(url, {"country": "DE"}))
