"""What a partner key does for its own members: synchronise a cluster's member list
(members:write) and read its members' partner matches (matches:read)."""

import pytest
from django.urls import reverse

from companies.choices import VerificationState
from companies.models.clusters import ClusterMembership
from companies.models.organisations import Organisation
from tests.api import PartnerKeys, ReadOnlyResourceTests, ResourceTests, ids, key_client
from tests.factories import (
    ClusterFactory,
    ClusterMembershipFactory,
    MatchFactory,
    MatchGenerationFactory,
    OrganisationFactory,
)

pytestmark = pytest.mark.django_db


# --- member lists -------------------------------------------------------------------------------------


@pytest.fixture
def partner():
    """A network's key, the cluster it manages, one member found by register entry and one
    organisation (not yet a member) found by VAT ID."""
    client = key_client("members:write")
    cluster = ClusterFactory(managing_organisation=client.api_key.organisation)
    member = OrganisationFactory(register_court="Amtsgericht Dresden", register_number="HRB 1001")
    ClusterMembershipFactory(cluster=cluster, organisation=member, role="member")
    other = OrganisationFactory(vat_id="DE123456789")
    return {"client": client, "cluster": cluster, "member": member, "other": other}


def rows(partner):
    return [
        {"register_court": "Amtsgericht Dresden", "register_number": "HRB 1001", "role": "member"},
        {"vat_id": "DE123456789", "role": "board", "since": "2025-01-01"},
        {
            "name": "Neue Biotech GmbH",
            "kind": "company",
            "city": "Leipzig",
            "website": "https://www.neue-biotech.example",
        },
    ]


def sync(partner, members, **options):
    url = reverse("v1:member-list-sync", args=[partner["cluster"].pk])
    headers = {"HTTP_IF_MATCH": options.pop("if_match")} if "if_match" in options else {}
    return partner["client"].post(url, {"members": members, **options}, format="json", **headers)


def memberships(cluster) -> set:
    return set(ClusterMembership.objects.filter(cluster=cluster).values_list("organisation__name", "role", "until"))


def test_a_dry_run_reports_the_changes_and_writes_nothing(partner):
    before = (memberships(partner["cluster"]), Organisation.objects.count())

    response = sync(partner, rows(partner), dry_run=True)

    assert response.status_code == 200, response.json()
    report = response.json()
    assert report["applied"] is False
    assert [r["action"] for r in report["rows"]] == ["unchanged", "added", "created"]
    assert [r["matched_by"] for r in report["rows"]] == ["register_number", "vat_id", ""]
    assert (memberships(partner["cluster"]), Organisation.objects.count()) == before


def test_a_sync_applies_the_batch_and_records_the_key_in_the_history(partner):
    response = sync(partner, rows(partner))

    assert response.status_code == 200, response.json()
    assert response.json()["counts"] == {"unchanged": 1, "added": 1, "created": 1}
    new = Organisation.objects.get(name="Neue Biotech GmbH")
    assert new.verification_state == VerificationState.SELF_REGISTERED  # public only after staff verified it
    membership = ClusterMembership.objects.get(cluster=partner["cluster"], organisation=partner["other"])
    assert membership.role == "board" and str(membership.since) == "2025-01-01"
    reason = membership.history.latest().history_change_reason
    assert partner["client"].api_key.prefix in reason


def test_repeating_a_batch_changes_nothing(partner):
    sync(partner, rows(partner))
    history = ClusterMembership.history.count()

    again = sync(partner, rows(partner))

    assert again.status_code == 200
    assert again.json()["counts"] == {"unchanged": 3}
    assert ClusterMembership.history.count() == history


@pytest.mark.parametrize(
    ("bad_row", "field"),
    [
        ({"name": "Ohne Kennung GmbH", "kind": "company", "city": "Dresden"}, "non_field_errors"),
        ({"website": "https://unbekannt.example", "kind": "company"}, "name"),  # a new one needs a name
        ({"vat_id": "DE123456789", "role": "chairman"}, "role"),
        ({"register_court": "Amtsgericht Dresden", "register_number": "HRB 1001"}, "organisation"),  # twice
    ],
)
def test_a_batch_with_one_bad_row_applies_nothing_and_names_the_row(partner, bad_row, field):
    before = (memberships(partner["cluster"]), Organisation.objects.count())

    response = sync(partner, [*rows(partner), bad_row])

    assert response.status_code == 400
    errors = [r for r in response.json()["rows"] if r["action"] == "error"]
    assert [r["row"] for r in errors] == [3]
    assert field in errors[0]["errors"]
    assert (memberships(partner["cluster"]), Organisation.objects.count()) == before


def test_members_missing_from_the_list_are_ended_only_on_request(partner):
    assert sync(partner, rows(partner)[1:]).json()["counts"].get("ended") is None
    response = sync(partner, rows(partner)[1:], end_missing=True)
    assert response.json()["ended"] == [partner["member"].pk]
    current = partner["client"].get(reverse("v1:member-list-detail", args=[partner["cluster"].pk])).json()
    assert partner["member"].pk not in [m["organisation"] for m in current["members"]]


def test_a_stale_version_gets_412_and_the_current_one_goes_through(partner):
    url = reverse("v1:member-list-detail", args=[partner["cluster"].pk])
    read = partner["client"].get(url)
    version = read["ETag"]
    assert read.json()["version"] in version
    ClusterMembershipFactory(cluster=partner["cluster"])  # somebody else changes the list meanwhile

    stale = sync(partner, rows(partner), if_match=version)
    assert stale.status_code == 412
    assert not Organisation.objects.filter(name="Neue Biotech GmbH").exists()

    fresh = sync(partner, rows(partner), if_match=partner["client"].get(url)["ETag"])
    assert fresh.status_code == 200


def test_a_cluster_managed_by_somebody_else_is_404(partner):
    foreign = ClusterFactory()
    url = reverse("v1:member-list-sync", args=[foreign.pk])
    assert partner["client"].post(url, {"members": []}, format="json").status_code == 404
    assert partner["client"].get(reverse("v1:member-list-detail", args=[foreign.pk])).status_code == 404


def test_member_lists_need_the_members_scope():
    client = key_client("directory:read")
    cluster = ClusterFactory(managing_organisation=client.api_key.organisation)
    response = client.post(reverse("v1:member-list-sync", args=[cluster.pk]), {"members": []}, format="json")
    assert response.status_code == 403
    assert "members:write" in response.json()["detail"]


class TestMemberLists(PartnerKeys, ResourceTests):
    """A key reads the member lists of the clusters its organisation manages only (a list without
    pages; a list's detail names its cluster)."""

    basename = "member-list"
    scope = "members:write"
    other_scope = "directory:read"
    detail_id = "cluster"

    def visible(self, n=1):
        return ClusterFactory.create_batch(n, managing_organisation=self.partner)

    def hidden(self):
        return [ClusterFactory(), ClusterFactory(managing_organisation=OrganisationFactory())]

    def listed(self, response) -> set:
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()}


# --- matches --------------------------------------------------------------------------------------------


class TestMatches(ReadOnlyResourceTests):
    """A key reads the matches of its own members only, in the active generation only."""

    basename = "match"
    scope = "matches:read"

    def visible(self, n=1):
        found = MatchFactory.create_batch(n)
        self._members.extend(m.organisation for m in found)
        return found

    def hidden(self):
        retired = MatchGenerationFactory(state="retired")
        return [MatchFactory(), MatchFactory(generation=retired)]

    @pytest.fixture(autouse=True)
    def _members_of_every_key(self, monkeypatch):
        """Whatever key the generic tests create, its members are the organisations of visible()."""
        from matchmaking.api import views

        self._members = []
        monkeypatch.setattr(
            views,
            "partner_members",
            lambda partner: Organisation.objects.filter(pk__in=[o.pk for o in self._members]),
        )


def test_a_key_sees_the_matches_of_its_members_with_reasons_in_both_languages():
    client = key_client("matches:read")
    cluster = ClusterFactory(managing_organisation=client.api_key.organisation)
    member = ClusterMembershipFactory(cluster=cluster).organisation
    mine = MatchFactory(organisation=member, reason_flags=4 | 32, shared_fields=1 << 5)
    MatchFactory()  # somebody else's
    url = reverse("v1:match-list")

    assert ids(client.get(url)) == {mine.pk}
    german = client.get(url, {"lang": "de"}).json()["results"][0]["reasons"]
    english = client.get(url, {"lang": "en"}).json()["results"][0]["reasons"]
    assert german and english and german != english


def test_fields_a_partner_may_not_set_are_ignored(partner):
    row = {"name": "Selbst Verifiziert GmbH", "kind": "company", "city": "Dresden", "website": "https://sv.example"}
    response = sync(partner, [{**row, "verification_state": "verified", "matchmaking_opt_out": True, "id": 1}])

    assert response.status_code == 200, response.json()
    created = Organisation.objects.get(name="Selbst Verifiziert GmbH")
    assert created.verification_state == VerificationState.SELF_REGISTERED
    assert created.matchmaking_opt_out is False


@pytest.mark.parametrize("members", [None, "AAA", {}, 0, [None], [1]])
def test_a_sync_that_does_not_parse_is_a_400_in_the_report_shape(partner, members):
    url = reverse("v1:member-list-sync", args=[partner["cluster"].pk])
    response = partner["client"].post(url, {"members": members}, format="json")
    assert response.status_code == 400
    report = response.json()
    assert report["applied"] is False
    assert report["errors"] or [r["row"] for r in report["rows"]] == [0]
    assert all(isinstance(r["errors"], dict) for r in report["rows"])


def test_a_sync_body_that_is_not_json_is_a_400_in_the_report_shape(partner):
    url = reverse("v1:member-list-sync", args=[partner["cluster"].pk])
    response = partner["client"].post(url, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"]["non_field_errors"]


@pytest.mark.parametrize("body", ["null", "[]", "0"])
def test_a_sync_body_that_is_no_object_is_a_400_in_the_report_shape(partner, body):
    url = reverse("v1:member-list-sync", args=[partner["cluster"].pk])
    response = partner["client"].post(url, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"]["non_field_errors"]


def test_a_key_lists_the_clusters_it_manages(partner):
    ClusterFactory()  # somebody else's
    response = partner["client"].get(reverse("v1:member-list-list"))
    assert response.status_code == 200
    assert response.json() == [{"id": partner["cluster"].pk, "name": partner["cluster"].name, "members": 1}]
