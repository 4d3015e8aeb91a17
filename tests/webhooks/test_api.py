"""The webhooks' partner API: a key's own endpoints (list, create with the secret once, change,
delete, rotate, switch on again) and its delivery log (read, send again); scope webhooks:manage."""

import pytest
from django.urls import reverse
from standardwebhooks.webhooks import Webhook

from companies.choices import ApiScope
from tests.api import ListResourceTests, PartnerKeys, ReadOnlyResourceTests, key_client
from webhooks.choices import DeliveryState
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.services.endpoints import webhook_endpoint_create

pytestmark = pytest.mark.django_db

MANAGE = ApiScope.WEBHOOKS_MANAGE


class OwnKeys(PartnerKeys):
    """Endpoints belong to a key: ``key(scope)`` is the same key every time (the one ``visible``
    gives endpoints), other scopes or key fields a new key of the same partner."""

    def key(self, *scopes, **key_fields):
        if key_fields or tuple(scopes) != (self.scope,):
            return super().key(*scopes, **key_fields)
        if not hasattr(self, "_own"):
            self._own = super().key(self.scope, "directory:read")
        return self._own

    def endpoint(self, api_key, n=0):
        return webhook_endpoint_create(
            api_key=api_key, url=f"https://partner.example/hooks/{n}", events=["organisation.updated"]
        )[0]


class TestWebhookEndpointResource(OwnKeys, ListResourceTests):
    basename = "webhook-endpoint"
    scope = MANAGE

    def visible(self, n=1):
        api_key = self.key(self.scope).api_key
        return [self.endpoint(api_key, i) for i in range(n)]

    def hidden(self):
        other_key_same_partner = super().key(MANAGE, "directory:read").api_key
        other_partner = key_client(MANAGE, "directory:read").api_key
        return [self.endpoint(other_key_same_partner), self.endpoint(other_partner)]

    def test_create_answers_the_secret_once(self):
        client = self.key(self.scope)
        response = client.post(
            self.list_url(),
            {"url": "https://partner.example/in", "events": ["organisation.updated"], "description": "CRM"},
            format="json",
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["secret"].startswith("whsec_")
        endpoint = WebhookEndpoint.objects.get(pk=body["id"])
        assert endpoint.api_key == client.api_key and endpoint.secret == body["secret"]
        assert Webhook(body["secret"])  # the reference library takes it
        again = client.get(self.detail_url(endpoint)).json()
        assert "secret" not in again

    def test_create_refuses_events_the_scopes_do_not_allow_and_plain_http(self):
        client = self.key(self.scope)
        response = client.post(
            self.list_url(), {"url": "https://partner.example/in", "events": ["match.created"]}, format="json"
        )
        assert response.status_code == 400
        assert "matches:read" in str(response.json()["events"])
        response = client.post(
            self.list_url(), {"url": "http://partner.example/in", "events": ["organisation.updated"]}, format="json"
        )
        assert response.status_code == 400 and "url" in response.json()
        response = client.post(self.list_url(), {"url": "https://partner.example/in", "events": ["x.y"]}, format="json")
        assert response.status_code == 400 and "events" in response.json()
        assert not WebhookEndpoint.objects.exists()

    @pytest.mark.parametrize(
        "url", ["https://10.0.0.5/in", "https://169.254.169.254/latest", "https://[fd00::1]/in", "https://localhost/in"]
    )
    def test_create_refuses_an_address_in_a_private_network(self, url, settings):
        settings.WEBHOOK_ALLOW_HTTP_LOCALHOST = False
        response = self.key(self.scope).post(
            self.list_url(), {"url": url, "events": ["organisation.updated"]}, format="json"
        )
        assert response.status_code == 400
        assert response.json()["url"] == [
            "Eine Webhook-URL muss zu einer öffentlichen Adresse führen, nicht in ein privates Netz."
        ]
        assert not WebhookEndpoint.objects.exists()

    def test_change_rotate_and_delete(self):
        client = self.key(self.scope)
        endpoint = self.visible()[0]
        response = client.patch(self.detail_url(endpoint), {"url": "https://partner.example/moved"}, format="json")
        assert response.status_code == 200 and response.json()["url"] == "https://partner.example/moved"
        old = endpoint.secret
        response = client.post(reverse("v1:webhook-endpoint-rotate-secret", args=[endpoint.pk]))
        assert response.status_code == 200
        endpoint.refresh_from_db()
        assert response.json()["secret"] == endpoint.secret != old and endpoint.previous_secret == old
        assert client.delete(self.detail_url(endpoint)).status_code == 204
        assert not WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()

    def test_another_keys_endpoint_cannot_be_changed(self):
        foreign = self.hidden()[0]
        client = self.key(self.scope)
        assert client.patch(self.detail_url(foreign), {"url": "https://evil.example"}, format="json").status_code == 404
        assert client.delete(self.detail_url(foreign)).status_code == 404
        foreign.refresh_from_db()
        assert foreign.url.startswith("https://partner.example")

    def test_switch_on_again(self):
        endpoint = self.visible()[0]
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(enabled=False)
        response = self.key(self.scope).post(reverse("v1:webhook-endpoint-enable", args=[endpoint.pk]))
        assert response.status_code == 200 and response.json()["enabled"] is True


class TestWebhookDeliveryResource(OwnKeys, ReadOnlyResourceTests):
    basename = "webhook-delivery"
    scope = MANAGE

    def deliveries(self, endpoint, n):
        return [
            WebhookDelivery.objects.create(
                message_id=f"msg_{endpoint.pk}_{WebhookDelivery.objects.count()}",
                endpoint=endpoint,
                event="organisation.updated",
                payload={"type": "organisation.updated", "data": {}},
                state=DeliveryState.FAILED,
                attempts=3,
                last_status=500,
            )
            for _ in range(n)
        ]

    def visible(self, n=1):
        if not hasattr(self, "_endpoint"):
            self._endpoint = self.endpoint(self.key(self.scope).api_key)
        return self.deliveries(self._endpoint, n)

    def hidden(self):
        return self.deliveries(self.endpoint(key_client(MANAGE, "directory:read").api_key, 9), 1)

    def test_filtered_by_endpoint(self):
        shown = self.visible(2)
        second = self.endpoint(self.key(self.scope).api_key, 2)
        self.deliveries(second, 1)
        response = self.key(self.scope).get(self.list_url(), {"endpoint": shown[0].endpoint_id})
        assert {row["id"] for row in response.json()["results"]} == {d.pk for d in shown}

    def test_send_again(self, django_capture_on_commit_callbacks):
        delivery = self.visible()[0]
        with django_capture_on_commit_callbacks(execute=False):
            response = self.key(self.scope).post(reverse("v1:webhook-delivery-resend", args=[delivery.pk]))
        assert response.status_code == 202
        delivery.refresh_from_db()
        assert delivery.state == DeliveryState.PENDING and delivery.attempts == 0

    def test_send_again_is_refused_while_the_endpoint_is_switched_off(self):
        delivery = self.visible()[0]
        WebhookEndpoint.objects.filter(pk=delivery.endpoint_id).update(enabled=False)
        response = self.key(self.scope).post(reverse("v1:webhook-delivery-resend", args=[delivery.pk]))
        assert response.status_code == 400
        delivery.refresh_from_db()
        assert delivery.state == DeliveryState.FAILED
