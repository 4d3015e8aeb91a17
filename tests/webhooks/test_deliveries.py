"""Deliveries to a real receiver: signed as Standard Webhooks (verified with the reference library),
retried after a 500 with the same webhook-id, nothing for a switched-off endpoint or for what the
key's scopes or members do not allow, rotated secrets overlapping, an endpoint that failed for a day
switched off with the partner and staff told."""

import datetime
import json
import socket
import time

import pytest
from django.core import mail
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from companies.services.organisations import organisation_verify
from fairs.services import booth_registration_set_state
from matchmaking.choices import GenerationState
from outbox.models import OutboxMessage
from tests import factories
from tests.webhooks.conftest import endpoint_for
from webhooks.choices import DeliveryState
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.services.deliveries import webhook_deliveries_due_send
from webhooks.services.endpoints import webhook_secret_rotate
from wfs_portal import events
from wfs_portal.choices import RegistrationState

pytestmark = pytest.mark.django_db

MATCHES, MATCH, UPDATED = "matches:read", "match.created", "organisation.updated"


def _verified(staff_user, django_capture_on_commit_callbacks):
    organisation = factories.OrganisationFactory(
        verification_state="self_registered", verified_at=None, verified_by=None
    )
    with django_capture_on_commit_callbacks(execute=True):
        organisation_verify(organisation=organisation, user=staff_user)
    return organisation


def test_a_message_verifies_with_the_reference_library(receiver, staff_user, django_capture_on_commit_callbacks):
    endpoint, secret = endpoint_for(receiver.url, "directory:read", events=["organisation.updated"])
    organisation = _verified(staff_user, django_capture_on_commit_callbacks)

    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    payload = Webhook(secret).verify(request.body, request.headers)
    assert payload["type"] == "organisation.updated"
    assert payload["data"]["id"] == organisation.pk
    assert payload["data"]["name"] == organisation.name
    assert request.headers["webhook-id"].startswith("msg_")
    with pytest.raises(WebhookVerificationError):
        Webhook(endpoint_for(receiver.url, "directory:read", events=["organisation.updated"])[1]).verify(
            request.body, request.headers
        )
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert (delivery.state, delivery.attempts, delivery.last_status) == (DeliveryState.DELIVERED, 1, 200)


def test_a_500_is_retried_with_the_same_webhook_id(receiver, staff_user, django_capture_on_commit_callbacks):
    receiver.answers = [500]
    endpoint, secret = endpoint_for(receiver.url, "directory:read", events=["organisation.updated"])
    _verified(staff_user, django_capture_on_commit_callbacks)

    assert len(receiver.requests) == 2
    first, second = receiver.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert Webhook(secret).verify(second.body, second.headers)["type"] == "organisation.updated"
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert (delivery.state, delivery.attempts, delivery.last_status) == (DeliveryState.DELIVERED, 2, 200)
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None


def test_the_first_retry_waits_its_turn_and_comes_within_ten_seconds(
    receiver, settings, staff_user, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_RETRY_SCHEDULE = [5, 300]
    receiver.answers = [500]
    endpoint, _secret = endpoint_for(receiver.url, "directory:read", events=["organisation.updated"])
    before = timezone.now()
    _verified(staff_user, django_capture_on_commit_callbacks)

    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.state == DeliveryState.PENDING and delivery.last_status == 500
    assert before + datetime.timedelta(seconds=4) < delivery.next_attempt_at < before + datetime.timedelta(seconds=10)
    # The outbox holds the retry for its time (a relay delivers it then).
    retry = OutboxMessage.objects.get(key=f"webhooks.delivery:{delivery.pk}:1")
    assert abs((retry.available_at - delivery.next_attempt_at).total_seconds()) < 1
    with django_capture_on_commit_callbacks(execute=True):
        assert webhook_deliveries_due_send() == 0
    assert len(receiver.requests) == 1

    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert webhook_deliveries_due_send() == 1
    assert len(receiver.requests) == 2
    assert receiver.requests[0].headers["webhook-id"] == receiver.requests[1].headers["webhook-id"]
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DELIVERED


@pytest.mark.django_db(transaction=True)
def test_on_the_laptop_path_the_first_retry_comes_by_itself_within_ten_seconds(receiver, settings, staff_user):
    """No broker, no beat, no relay (``make run``): the process that made the change sends the retry
    at its time."""
    settings.OUTBOX_DELIVER_LATER_IN_PROCESS = True
    settings.WEBHOOK_RETRY_SCHEDULE = [2, 300]
    receiver.answers = [500]
    endpoint, secret = endpoint_for(receiver.url, "directory:read", events=["organisation.updated"])
    organisation = factories.OrganisationFactory(
        verification_state="self_registered", verified_at=None, verified_by=None
    )
    started = time.monotonic()
    organisation_verify(organisation=organisation, user=staff_user)
    assert len(receiver.requests) == 1

    while len(receiver.requests) < 2 and time.monotonic() - started < 10:
        time.sleep(0.1)
    assert len(receiver.requests) == 2, "no retry within ten seconds"
    assert time.monotonic() - started >= 2
    first, second = receiver.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert Webhook(secret).verify(second.body, second.headers)["data"]["id"] == organisation.pk
    for _ in range(50):  # the timer's thread records the outcome after the answer
        delivery = WebhookDelivery.objects.get(endpoint=endpoint)
        if delivery.state == DeliveryState.DELIVERED:
            break
        time.sleep(0.1)
    assert (delivery.state, delivery.attempts, delivery.last_status) == (DeliveryState.DELIVERED, 2, 200)


def test_after_the_last_retry_a_delivery_is_given_up(receiver, staff_user, django_capture_on_commit_callbacks):
    receiver.answers = [500, 502, 503, 500]
    endpoint, _secret = endpoint_for(receiver.url, "directory:read", events=["organisation.updated"])
    _verified(staff_user, django_capture_on_commit_callbacks)

    assert len(receiver.requests) == 4  # the first attempt and three retries
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert (delivery.state, delivery.attempts, delivery.last_status) == (DeliveryState.FAILED, 4, 500)
    assert delivery.last_response == "receiver broken"


def test_a_switched_off_endpoint_gets_nothing(receiver, staff_user, django_capture_on_commit_callbacks):
    endpoint, _secret = endpoint_for(receiver.url, "directory:read", events=["organisation.updated"])
    on, _ = endpoint_for(receiver.url + "/on", "directory:read", events=["organisation.updated"])
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(enabled=False)
    _verified(staff_user, django_capture_on_commit_callbacks)

    assert [r.path for r in receiver.requests] == ["/hooks/on"]
    assert not WebhookDelivery.objects.filter(endpoint=endpoint).exists()


def _generation_with_matches(member, stranger):
    generation = factories.MatchGenerationFactory(state=GenerationState.ACTIVE)
    factories.MatchFactory(generation=generation, organisation=member)
    factories.MatchFactory(generation=generation, organisation=stranger)
    return generation


def test_a_key_without_matches_read_never_receives_match_created(receiver, django_capture_on_commit_callbacks):
    partner = factories.OrganisationFactory(kind="network")
    cluster = factories.ClusterFactory(managing_organisation=partner)
    member = factories.ClusterMembershipFactory(cluster=cluster).organisation
    allowed, secret = endpoint_for(
        receiver.url + "/allowed", "matches:read", events=["match.created"], organisation=partner
    )
    refused, _ = endpoint_for(receiver.url + "/refused", "matches:read", events=["match.created"], organisation=partner)
    refused.api_key.scopes = ["directory:read"]
    refused.api_key.save()
    generation = _generation_with_matches(member, factories.OrganisationFactory())

    with django_capture_on_commit_callbacks(execute=True):
        events.publish(events.MATCH_CREATED, generation, previous_generation_id=None)

    assert [r.path for r in receiver.requests] == ["/hooks/allowed"]
    data = Webhook(secret).verify(receiver.requests[0].body, receiver.requests[0].headers)["data"]
    assert data["organisation"]["id"] == member.pk
    assert not WebhookDelivery.objects.filter(endpoint=refused).exists()


def test_a_non_members_registration_never_reaches_the_partner(receiver, staff_user, django_capture_on_commit_callbacks):
    partner = factories.OrganisationFactory(kind="network")
    cluster = factories.ClusterFactory(managing_organisation=partner)
    member = factories.ClusterMembershipFactory(cluster=cluster).organisation
    _endpoint, secret = endpoint_for(
        receiver.url, "registrations:write", events=["registration.state_changed"], organisation=partner
    )
    booth = factories.JointBoothFactory()
    mine = factories.BoothRegistrationFactory(booth=booth, organisation=member)
    other = factories.BoothRegistrationFactory(booth=booth)

    with django_capture_on_commit_callbacks(execute=True):
        booth_registration_set_state(registration=other, state=RegistrationState.CONFIRMED, user=staff_user)
        booth_registration_set_state(registration=mine, state=RegistrationState.WAITLISTED, user=staff_user)

    assert len(receiver.requests) == 1
    payload = Webhook(secret).verify(receiver.requests[0].body, receiver.requests[0].headers)
    assert payload["type"] == "registration.state_changed"
    assert payload["data"]["previous_state"] == "applied"
    assert payload["data"]["booth_registration"]["id"] == mine.pk
    assert payload["data"]["booth_registration"]["state"] == "waitlisted"


def test_during_the_overlap_both_secrets_verify(receiver, staff_user, django_capture_on_commit_callbacks):
    endpoint, old = endpoint_for(receiver.url, "directory:read", events=["organisation.updated"])
    new = webhook_secret_rotate(endpoint=endpoint)
    assert new != old and new.startswith("whsec_")
    _verified(staff_user, django_capture_on_commit_callbacks)
    request = receiver.requests[-1]
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    assert Webhook(old).verify(request.body, request.headers)
    assert Webhook(new).verify(request.body, request.headers)

    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(previous_secret_until=timezone.now())
    _verified(staff_user, django_capture_on_commit_callbacks)
    request = receiver.requests[-1]
    assert Webhook(new).verify(request.body, request.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(request.body, request.headers)


def test_an_endpoint_failing_for_a_day_is_switched_off_and_the_partner_told(
    receiver, settings, staff_user, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_RETRY_SCHEDULE = [3600]
    partner = factories.OrganisationFactory(kind="network")
    representative = factories.RepresentativeFactory(organisation=partner)
    endpoint, _secret = endpoint_for(
        receiver.url, "directory:read", events=["organisation.updated"], organisation=partner
    )
    waiting = WebhookDelivery.objects.create(
        message_id="msg_waiting", endpoint=endpoint, event="organisation.updated", payload={}, next_attempt_at=None
    )
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=timezone.now() - datetime.timedelta(hours=23))
    receiver.answers = [500, 500]
    _verified(staff_user, django_capture_on_commit_callbacks)
    endpoint.refresh_from_db()
    assert endpoint.enabled  # 23 hours: not yet

    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=timezone.now() - datetime.timedelta(hours=25))
    mail.outbox.clear()
    _verified(staff_user, django_capture_on_commit_callbacks)

    endpoint.refresh_from_db()
    assert not endpoint.enabled and endpoint.disabled_at is not None
    assert set(WebhookDelivery.objects.filter(endpoint=endpoint).values_list("state", flat=True)) == {
        DeliveryState.FAILED
    }
    waiting.refresh_from_db()
    assert waiting.last_error == "endpoint switched off"
    to_partner = [m for m in mail.outbox if m.to == [representative.user.email]]
    assert len(to_partner) == 1
    assert to_partner[0].subject == "Your webhook endpoint was switched off" or "abgeschaltet" in to_partner[0].subject
    assert receiver.url in to_partner[0].body
    to_staff = [m for m in mail.outbox if m.to == [staff_user.email]]
    assert len(to_staff) == 1 and partner.name in to_staff[0].subject

    # Switched off: the next event sends nothing.
    count = len(receiver.requests)
    _verified(staff_user, django_capture_on_commit_callbacks)
    assert len(receiver.requests) == count


def test_the_payload_is_the_json_the_signature_covers(receiver, staff_user, django_capture_on_commit_callbacks):
    endpoint_for(receiver.url, "directory:read", events=["organisation.updated"])
    _verified(staff_user, django_capture_on_commit_callbacks)
    body = json.loads(receiver.requests[0].body)
    assert set(body) == {"type", "timestamp", "data"}


def test_a_name_that_resolves_into_a_private_network_is_not_called(
    receiver, staff_user, monkeypatch, django_capture_on_commit_callbacks
):
    """Registered as a public name, resolved at sending time to the agency's own network (or to a
    cloud's metadata service): the delivery fails with the reason and no request leaves."""
    endpoint, _secret = endpoint_for(receiver.url, "directory:read", events=["organisation.updated"])
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url="https://hooks.partner.example/in")
    real = socket.getaddrinfo

    def resolve(host, *args, **kwargs):
        if host == "hooks.partner.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", 443))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    _verified(staff_user, django_capture_on_commit_callbacks)

    assert receiver.requests == []
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.last_status is None
    assert delivery.last_error == "refused: hooks.partner.example resolves to 10.1.2.3, which is not a public address"
