"""Sending a delivery, one attempt at a time (the task ``webhooks.tasks.webhook_deliver``, handed
over by the outbox), and what follows from its outcome:

- delivered (a 2xx answer): done; the endpoint's failure streak ends.
- failed (another answer, a timeout, no connection): the next attempt after the next wait of
  WEBHOOK_RETRY_SCHEDULE (the first within seconds), again through the outbox, with the same
  ``webhook-id``; after the last one the delivery is given up. An endpoint that has failed for
  WEBHOOK_DISABLE_AFTER_SECONDS without a single success is switched off, its waiting deliveries
  given up, and the partner's representatives and staff are told.

An attempt first claims the delivery (a conditional update: waiting, due, not claimed by a live
attempt), so that a second delivery of the same outbox message, or the sweep of due deliveries,
never sends one attempt twice."""

from __future__ import annotations

import datetime
import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications import door
from notifications.choices import StaffTopic
from outbox.services import task_enqueue
from webhooks import audit
from webhooks.choices import DeliveryState
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.sending import post
from webhooks.services.endpoints import signing_secrets
from webhooks.services.publishing import DELIVER_TASK, delivery_enqueue
from webhooks.signing import headers
from wfs_portal.services import validated_save

SWITCHED_OFF = "endpoint switched off"


def _lease() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS * 2 + 30)


def _claim(delivery_id: int, now: datetime.datetime) -> WebhookDelivery | None:
    claimed = (
        WebhookDelivery.objects.filter(pk=delivery_id, state=DeliveryState.PENDING, next_attempt_at__lte=now)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
        .update(locked_until=now + _lease())
    )
    if not claimed:
        return None
    return WebhookDelivery.objects.select_related("endpoint__api_key__organisation").get(pk=delivery_id)


def body(delivery: WebhookDelivery) -> bytes:
    return json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()


def webhook_delivery_attempt(*, delivery_id: int) -> str:
    """One attempt to send the delivery, if it is due and nobody else is sending it. Returns what
    happened (for the task's result)."""
    now = timezone.now()
    delivery = _claim(delivery_id, now)
    if delivery is None:
        return "not due"
    endpoint = delivery.endpoint
    if not endpoint.enabled:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            state=DeliveryState.FAILED, locked_until=None, next_attempt_at=None, last_error=SWITCHED_OFF
        )
        return SWITCHED_OFF
    signed = headers(
        message_id=delivery.message_id, body=body(delivery), keys=signing_secrets(endpoint, at=now), at=now
    )
    outcome = post(endpoint.url, body(delivery), signed)
    done = timezone.now()
    result = {
        "attempts": delivery.attempts + 1,
        "last_attempt_at": done,
        "last_status": outcome.status,
        "last_response": outcome.response,
        "last_error": outcome.error,
        "locked_until": None,
    }
    with transaction.atomic():
        if outcome.delivered:
            WebhookDelivery.objects.filter(pk=delivery.pk).update(
                state=DeliveryState.DELIVERED, delivered_at=done, next_attempt_at=None, **result
            )
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=None)
            return f"delivered ({outcome.status})"
        schedule = settings.WEBHOOK_RETRY_SCHEDULE
        failures = result["attempts"]
        if failures > len(schedule):
            WebhookDelivery.objects.filter(pk=delivery.pk).update(
                state=DeliveryState.FAILED, next_attempt_at=None, **result
            )
        else:
            wait = schedule[failures - 1]
            WebhookDelivery.objects.filter(pk=delivery.pk).update(
                next_attempt_at=done + datetime.timedelta(seconds=wait), **result
            )
            delivery.attempts = failures
            delivery_enqueue(delivery, delay=wait)
        _record_failure(endpoint, done)
    return f"failed ({outcome.error or outcome.status})"


def _record_failure(endpoint: WebhookEndpoint, now: datetime.datetime) -> None:
    WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(failing_since=now)
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    window = datetime.timedelta(seconds=settings.WEBHOOK_DISABLE_AFTER_SECONDS)
    if endpoint.enabled and endpoint.failing_since and now - endpoint.failing_since >= window:
        webhook_endpoint_disable(endpoint=endpoint, now=now)


def webhook_endpoint_disable(*, endpoint: WebhookEndpoint, now: datetime.datetime) -> None:
    """Switch off an endpoint that kept failing: its waiting deliveries are given up, the partner's
    representatives and staff are told."""
    failing_since = endpoint.failing_since
    endpoint.enabled = False
    endpoint.disabled_at = now
    validated_save(endpoint, reason=audit.ENDPOINT_DISABLED)
    WebhookDelivery.objects.filter(endpoint=endpoint, state=DeliveryState.PENDING).update(
        state=DeliveryState.FAILED, next_attempt_at=None, locked_until=None, last_error=SWITCHED_OFF
    )
    partner = endpoint.api_key.organisation
    context = {"endpoint": endpoint, "partner": partner, "failing_since": failing_since, "api_key": endpoint.api_key}
    key = f"webhooks.endpoint:{endpoint.pk}:disabled:{now.isoformat()}"
    door.notify("webhooks/email/endpoint_disabled", to=door.representatives(partner), context=context, key=key)
    door.staff_told(
        "webhooks/email/staff_endpoint_disabled",
        topic=StaffTopic.WEBHOOK_DISABLED,
        context=context,
        record=endpoint,
        key=key,
    )


@transaction.atomic
def webhook_delivery_resend(*, delivery: WebhookDelivery, user=None) -> bool:
    """Staff's or the partner's "send again": the delivery is sent once more, now, with the same
    ``webhook-id``, its retries starting afresh. Refused while its endpoint is switched off; False
    while an attempt is under way."""
    delivery = WebhookDelivery.objects.select_for_update().select_related("endpoint").get(pk=delivery.pk)
    if not delivery.endpoint.enabled:
        raise ValidationError(_("The endpoint is switched off: switch it on again first."))
    now = timezone.now()
    if delivery.locked_until and delivery.locked_until > now:
        return False
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        state=DeliveryState.PENDING, next_attempt_at=now, attempts=0, locked_until=None
    )
    # A new outbox message (not keyed by the attempt: the first attempts' keys are taken).
    task_enqueue(DELIVER_TASK, args=[delivery.pk], topic="webhooks.delivery")
    return True


def webhook_deliveries_due_send(*, overdue_seconds: float = 0, limit: int = 500) -> int:
    """Hand to the outbox the waiting deliveries due for more than ``overdue_seconds`` that no
    attempt holds: the safety net (beat) for attempts whose outbox message ran before its time
    (without a broker the outbox delivers a transaction's messages right after its commit), and
    the loop of ``webhook_ping --wait``. Returns how many."""
    now = timezone.now()
    due = list(
        WebhookDelivery.objects.filter(
            state=DeliveryState.PENDING, next_attempt_at__lte=now - datetime.timedelta(seconds=overdue_seconds)
        )
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    with transaction.atomic():
        for pk in due:
            task_enqueue(DELIVER_TASK, args=[pk], topic="webhooks.delivery")
    return len(due)
