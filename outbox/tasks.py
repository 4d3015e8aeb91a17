"""Celery tasks of the outbox: the relay's safety net and the clean-up, both run by Celery beat."""

from celery import shared_task
from django.conf import settings

from outbox import relay, services


@shared_task(soft_time_limit=120, time_limit=180)
def outbox_deliver_due() -> str:
    """Every minute: deliver what is due, should the relay process be down. Safe beside a running
    relay: a message is claimed by one of them only."""
    return str(relay.relay_pass())


@shared_task(soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT)
def outbox_purge() -> int:
    """Daily: delete delivered and long-failed messages (addresses and texts are personal data)."""
    return services.outbox_purge(
        delivered_days=settings.OUTBOX_KEEP_DELIVERED_DAYS, failed_days=settings.OUTBOX_KEEP_FAILED_DAYS
    )
