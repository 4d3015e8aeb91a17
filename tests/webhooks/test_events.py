"""The services publish their events (wfs_portal.events) and each reaches the endpoints that chose
it, with the data the partner API shows; an event of a rolled-back change sends nothing."""

import pytest
from django.db import transaction
from standardwebhooks.webhooks import Webhook

from companies.services.organisations import partnering_profile_publish, partnering_profile_withdraw
from delegations.choices import DelegationState
from delegations.services import delegation_staff_save
from fairs.choices import BoothState
from fairs.services import joint_booth_staff_save
from tests import factories
from tests.webhooks.conftest import endpoint_for
from webhooks.models import WebhookDelivery

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
    booth = factories.JointBoothFactory(state=BoothState.PLANNED)
    delegation = factories.DelegationFactory(state=DelegationState.PLANNED)
    with django_capture_on_commit_callbacks(execute=True):
        booth.state = BoothState.OPEN
        joint_booth_staff_save(booth=booth, user=staff_user)
        booth.hall = "Z2"
        joint_booth_staff_save(booth=booth, user=staff_user)  # open already: not announced again
        delegation.state = DelegationState.OPEN
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
