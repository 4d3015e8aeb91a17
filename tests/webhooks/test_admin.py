"""Webhooks in the admin: an endpoint created with its secret shown once, its secret rotated, switched
on again; deliveries sent again."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from tests import factories
from tests.factories_webhooks import WebhookDeliveryFactory, WebhookEndpointFactory
from webhooks.choices import DeliveryState
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.services.endpoints import webhook_secret_rotate

pytestmark = pytest.mark.django_db


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_an_endpoint_is_created_with_its_secret_shown_once(staff_client):
    api_key = factories.PartnerApiKeyFactory(scopes=["directory:read"])
    response = staff_client.post(
        reverse("admin:webhooks_webhookendpoint_add"),
        {
            "api_key": api_key.pk,
            "url": "https://partner.example/in",
            "description": "",
            "events": ["profile.published"],
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    endpoint = WebhookEndpoint.objects.get()
    shown = staff_client.get(response["Location"]).content.decode()
    assert endpoint.secret in shown  # the message after creating it
    page = staff_client.get(reverse("admin:webhooks_webhookendpoint_change", args=[endpoint.pk]))
    assert endpoint.secret not in page.content.decode()


def test_the_form_refuses_events_the_keys_scopes_do_not_allow(staff_client):
    api_key = factories.PartnerApiKeyFactory(scopes=["directory:read"])
    response = staff_client.post(
        reverse("admin:webhooks_webhookendpoint_add"),
        {"api_key": api_key.pk, "url": "http://partner.example/in", "events": ["match.created"]},
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "matches:read" in str(errors["events"]) and "https" in str(errors["url"])
    assert not WebhookEndpoint.objects.exists()


def test_rotate_the_secret_and_switch_on_again(staff_client):
    endpoint = WebhookEndpointFactory(enabled=False)
    old = endpoint.secret
    url = reverse("admin:webhooks_webhookendpoint_changelist")
    response = staff_client.post(url, {"action": "rotate_secret", "_selected_action": [endpoint.pk]})
    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.previous_secret == old
    assert any(endpoint.secret in text for text in _messages(response))
    staff_client.post(url, {"action": "enable", "_selected_action": [endpoint.pk]})
    endpoint.refresh_from_db()
    assert endpoint.enabled


def test_the_delivery_log_filters_and_sends_again(staff_client, django_capture_on_commit_callbacks):
    delivery = WebhookDeliveryFactory()
    url = reverse("admin:webhooks_webhookdelivery_changelist")
    page = staff_client.get(url, {"state": "failed", "event": "organisation.updated"})
    assert page.status_code == 200 and delivery.message_id in page.content.decode()
    with django_capture_on_commit_callbacks(execute=False):
        staff_client.post(url, {"action": "send_again", "_selected_action": [delivery.pk]})
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.PENDING
    assert WebhookDelivery.objects.count() == 1


def test_the_export_leaves_the_secrets_out(staff_client):
    endpoint = WebhookEndpointFactory()
    webhook_secret_rotate(endpoint=endpoint)
    endpoint.refresh_from_db()
    response = staff_client.post(
        reverse("admin:webhooks_webhookendpoint_changelist"),
        {"action": "export_admin_action", "_selected_action": [endpoint.pk]},
    )
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    assert endpoint.url in text
    assert endpoint.secret not in text and endpoint.previous_secret not in text
