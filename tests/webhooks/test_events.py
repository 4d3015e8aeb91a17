"""The services publish their events (wfs_portal.events) and each reaches the endpoints that chose
it, with the data the partner API shows; an event of a rolled-back change sends nothing."""

import pytest
from django.db import transaction
from django.urls import reverse
from standardwebhooks.webhooks import Webhook
from tablib import Dataset

from companies.imports import OrganisationResource
from companies.services.member_sync import cluster_members_sync
from companies.services.merge import organisation_merge
from companies.services.organisations import partnering_profile_publish, partnering_profile_withdraw
from companies.services.representatives import organisation_logo_set
from delegations.services import delegation_staff_save
from fairs.services import joint_booth_staff_save
from tests import factories
from tests.admin_forms import unchanged_post
from tests.companies.test_portal_services import image_upload
from tests.webhooks.conftest import endpoint_for
from webhooks.models import WebhookDelivery
from wfs_portal.choices import EventState

pytestmark = pytest.mark.django_db


def _payloads(receiver, secret) -> list[dict]:
    return [Webhook(secret).verify(r.body, r.headers) for r in receiver.requests]


def test_a_profile_published_and_withdrawn(receiver, staff_user, django_capture_on_commit_callbacks):
    _endpoint, secret = endpoint_for(receiver.url, "directory:read", events=["profile.published", "profile.withdrawn"])
    profile = factories.PartneringProfileFactory()
    with django_capture_on_commit_callbacks(execute=True):
        partnering_profile_publish(profile=profile, user=staff_user)
    with django_capture_on_commit_callbacks(execute=True):
        partnering_profile_withdraw(profile=profile, user=staff_user)

    published, withdrawn = _payloads(receiver, secret)
    assert published["type"] == "profile.published" and published["data"]["id"] == profile.pk
    assert published["data"]["title_de"] == profile.title_de
    assert withdrawn["type"] == "profile.withdrawn"
    assert withdrawn["data"] == {"id": profile.pk, "organisation": profile.organisation_id, "state": "withdrawn"}


def test_a_booth_and_a_delegation_opening_for_registration(receiver, staff_user, django_capture_on_commit_callbacks):
    _endpoint, secret = endpoint_for(receiver.url, "events:read", events=["event.published"])
    booth = factories.JointBoothFactory(state=EventState.PLANNED)
    delegation = factories.DelegationFactory(state=EventState.PLANNED)
    with django_capture_on_commit_callbacks(execute=True):
        booth.state = EventState.OPEN
        joint_booth_staff_save(booth=booth, user=staff_user)
        booth.hall = "Z2"
        joint_booth_staff_save(booth=booth, user=staff_user)  # open already: not announced again
        delegation.state = EventState.OPEN
        delegation_staff_save(delegation=delegation, user=staff_user)

    fair, trip = _payloads(receiver, secret)
    assert fair["data"]["kind"] == "trade_fair" and fair["data"]["trade_fair"]["id"] == booth.fair_id
    assert [b["id"] for b in fair["data"]["trade_fair"]["booths"]] == [booth.pk]
    assert trip["data"]["kind"] == "delegation" and trip["data"]["delegation"]["id"] == delegation.pk


def test_an_event_of_a_rolled_back_change_sends_nothing(receiver, staff_user, django_capture_on_commit_callbacks):
    endpoint_for(receiver.url, "directory:read", events=["profile.published"])
    profile = factories.PartneringProfileFactory()
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                partnering_profile_publish(profile=profile, user=staff_user)
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    assert receiver.requests == []
    assert not WebhookDelivery.objects.exists()


def test_an_unverified_organisations_profile_is_not_sent(receiver, staff_user, django_capture_on_commit_callbacks):
    endpoint_for(receiver.url, "directory:read", events=["profile.withdrawn"])
    profile = factories.PartneringProfileFactory(organisation=factories.OrganisationFactory(self_registered=True))
    with django_capture_on_commit_callbacks(execute=True):
        partnering_profile_withdraw(profile=profile, user=staff_user)
    assert receiver.requests == []


# --- organisation.updated from every write of a directory entry ------------------------------------


def _updated_names(receiver, secret) -> list[str]:
    return [p["data"]["name"] for p in _payloads(receiver, secret) if p["type"] == "organisation.updated"]


@pytest.fixture
def directory_endpoint(receiver):
    _endpoint, secret = endpoint_for(receiver.url, "directory:read", events=["organisation.updated"])
    return secret


def test_a_staff_edit_in_the_admin_is_sent_once_with_its_sectors(
    receiver, directory_endpoint, staff_client, django_capture_on_commit_callbacks
):
    organisation = factories.OrganisationFactory(name="Alt GmbH")
    sector = factories.SectorFactory(code="26.60")
    url = reverse("admin:companies_organisation_change", args=[organisation.pk])
    data = unchanged_post(staff_client, url)
    data.update(name="Neu GmbH", sectors=[sector.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(url, data)
    assert response.status_code == 302

    (payload,) = _payloads(receiver, directory_endpoint)
    assert payload["data"]["name"] == "Neu GmbH"
    assert [s["code"] for s in payload["data"]["sectors"]] == ["26.60"]


def test_a_logo_change_is_sent(receiver, directory_endpoint, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path
    representative = factories.RepresentativeFactory(administrator=True)
    with django_capture_on_commit_callbacks(execute=True):
        organisation_logo_set(
            organisation=representative.organisation, user=representative.user, upload=image_upload("PNG")
        )
    assert _updated_names(receiver, directory_endpoint) == [representative.organisation.name]


def test_a_member_list_sync_sends_each_organisation_whose_membership_changed(
    receiver, directory_endpoint, django_capture_on_commit_callbacks
):
    cluster = factories.ClusterFactory()
    joins = factories.OrganisationFactory(name="Neu im Netzwerk GmbH", vat_id="DE811111111")
    leaves = factories.OrganisationFactory(name="Geht GmbH")
    factories.ClusterMembershipFactory(cluster=cluster, organisation=leaves)
    with django_capture_on_commit_callbacks(execute=True):
        report = cluster_members_sync(cluster=cluster, rows=[{"vat_id": "DE811111111"}], end_missing=True)
    assert report.applied

    payloads = {p["data"]["name"]: p["data"] for p in _payloads(receiver, directory_endpoint)}
    assert set(payloads) == {joins.name, leaves.name}
    assert [m["cluster"] for m in payloads[joins.name]["cluster_memberships"]] == [cluster.pk]
    assert payloads[leaves.name]["cluster_memberships"] == []


def test_a_merge_sends_the_survivor(receiver, directory_endpoint, django_capture_on_commit_callbacks):
    survivor, other = factories.OrganisationFactory(name="Bleibt GmbH"), factories.OrganisationFactory()
    with django_capture_on_commit_callbacks(execute=True):
        organisation_merge(survivor=survivor, other=other, choices={}, user=None)
    assert _updated_names(receiver, directory_endpoint) == ["Bleibt GmbH"]


def test_an_import_sends_what_it_changed_and_its_preview_sends_nothing(
    receiver, directory_endpoint, django_capture_on_commit_callbacks
):
    factories.OrganisationFactory(name="Alt GmbH", vat_id="DE811111111", city="Chemnitz")
    dataset = Dataset(headers=["name", "kind", "vat_id", "city"])
    dataset.append(["Alt GmbH", "company", "DE811111111", "Zwickau"])
    with django_capture_on_commit_callbacks(execute=True):
        preview = OrganisationResource().import_data(dataset, dry_run=True, file_name="liste.csv")
    assert not preview.has_errors() and receiver.requests == []

    with django_capture_on_commit_callbacks(execute=True):
        OrganisationResource().import_data(dataset, dry_run=False, file_name="liste.csv")
    (payload,) = _payloads(receiver, directory_endpoint)
    assert (payload["data"]["name"], payload["data"]["city"]) == ("Alt GmbH", "Zwickau")


def test_memberships_deleted_in_the_admin_send_their_organisations(
    receiver, directory_endpoint, staff_client, django_capture_on_commit_callbacks
):
    memberships = factories.ClusterMembershipFactory.create_batch(2)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("admin:companies_clustermembership_changelist"),
            {"action": "delete_selected", "_selected_action": [m.pk for m in memberships], "post": "yes"},
        )
    assert response.status_code == 302
    assert sorted(_updated_names(receiver, directory_endpoint)) == sorted(m.organisation.name for m in memberships)
