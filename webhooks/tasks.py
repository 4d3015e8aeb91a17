"""Tasks of the webhooks, handed over by the outbox (outbox.services.task_enqueue)."""

from celery import shared_task
from django.conf import settings

from webhooks.services import deliveries


@shared_task(soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT)
def webhook_deliver(delivery_id: int) -> str:
    """One attempt to send a webhook delivery (it claims the delivery, so a repeat does nothing)."""
    return deliveries.webhook_delivery_attempt(delivery_id=delivery_id)


@shared_task(soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT)
def webhook_deliveries_due_send() -> int:
    """Every minute: hand over retries that are overdue (safety net, see the service)."""
    return deliveries.webhook_deliveries_due_send(overdue_seconds=30)
