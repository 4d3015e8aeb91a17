"""Celery tasks of expressions of interest and follows, started through the outbox or beat, by name."""

from celery import shared_task
from django.conf import settings

from interests.services import follows as follow_services

RETRY = {"autoretry_for": (Exception,), "retry_backoff": True, "retry_backoff_max": 300, "max_retries": 5}


@shared_task(soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT, **RETRY)
def follow_digests_send() -> int:
    """Weekly: the digest of every active follow (once per follow and week)."""
    return follow_services.follow_digests_send()
