"""Factories of the partner webhooks."""

import factory

from tests.factories import PartnerApiKeyFactory
from webhooks.choices import DeliveryState
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.signing import new_message_id, new_secret


class WebhookEndpointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookEndpoint

    api_key = factory.SubFactory(PartnerApiKeyFactory)
    url = factory.Sequence(lambda n: f"https://partner.example/hooks/{n}")
    events = factory.LazyFunction(lambda: ["organisation.updated"])
    secret = factory.LazyFunction(new_secret)


class WebhookDeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookDelivery

    message_id = factory.LazyFunction(new_message_id)
    endpoint = factory.SubFactory(WebhookEndpointFactory)
    event = "organisation.updated"
    payload = factory.LazyFunction(lambda: {"type": "organisation.updated", "timestamp": "", "data": {"id": 1}})
    state = DeliveryState.FAILED
    attempts = 4
    last_status = 500
    last_response = "receiver broken"
