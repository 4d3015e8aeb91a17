"""From an event to deliveries: the subscriber of wfs_portal.events writes, in the transaction that
published the event, one WebhookDelivery per message for every switched-on endpoint that chose the
event and whose key's scopes (and member organisations) allow it, and hands each to the outbox as
the task ``webhooks.tasks.webhook_deliver``; ``webhook_ping`` does the same for a partner's test
message."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from companies.models.organisations import Organisation
from outbox.services import task_enqueue
from webhooks.choices import EVENT_SCOPES, WebhookEvent
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.payloads import BUILDERS
from webhooks.signing import new_message_id

DELIVER_TASK = "webhooks.tasks.webhook_deliver"


def usable_endpoints():
    """Switched-on endpoints whose key is neither revoked nor expired."""
    now = timezone.now()
    return (
        WebhookEndpoint.objects.filter(enabled=True, api_key__revoked=False)
        .filter(Q(api_key__expiry_date__isnull=True) | Q(api_key__expiry_date__gt=now))
        .select_related("api_key__organisation")
        .order_by("pk")
    )


def delivery_enqueue(delivery: WebhookDelivery, *, delay: float = 0) -> None:
    """Hand the delivery's next attempt to the outbox (one outbox message per attempt)."""
    task_enqueue(
        DELIVER_TASK,
        args=[delivery.pk],
        key=f"webhooks.delivery:{delivery.pk}:{delivery.attempts}",
        delay=delay,
        topic="webhooks.delivery",
    )


def delivery_create(endpoint: WebhookEndpoint, event: str, data: dict) -> WebhookDelivery:
    now = timezone.now()
    delivery = WebhookDelivery.objects.create(
        message_id=new_message_id(),
        endpoint=endpoint,
        event=event,
        payload={"type": event, "timestamp": now.isoformat(), "data": data},
        next_attempt_at=now,
    )
    delivery_enqueue(delivery)
    return delivery


def event_published(event_type: str, subject, **details) -> list[WebhookDelivery]:
    """The subscriber of wfs_portal.events (registered in WebhooksConfig.ready)."""
    scope = EVENT_SCOPES[WebhookEvent(event_type)]
    build = BUILDERS[event_type]
    deliveries = []
    with transaction.atomic():
        for endpoint in usable_endpoints():
            if event_type not in endpoint.events or not endpoint.api_key.has_scope(scope):
                continue
            for data in build(subject, endpoint.api_key, **details):
                deliveries.append(delivery_create(endpoint, event_type, data))
    return deliveries


@transaction.atomic
def webhook_ping(*, partner: Organisation) -> tuple[list[WebhookDelivery], list[WebhookEndpoint]]:
    """A signed ``webhook.ping`` to each switched-on endpoint of the partner's keys. Returns the
    deliveries and the endpoints that are switched off (they get nothing)."""
    endpoints = WebhookEndpoint.objects.filter(api_key__organisation=partner).select_related("api_key").order_by("pk")
    deliveries, switched_off = [], []
    for endpoint in endpoints:
        if not endpoint.enabled:
            switched_off.append(endpoint)
            continue
        data = {"partner": partner.name, "endpoint": endpoint.pk}
        deliveries.append(delivery_create(endpoint, WebhookEvent.PING, data))
    return deliveries, switched_off
