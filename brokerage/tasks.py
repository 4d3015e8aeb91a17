"""Background jobs of brokerage events."""

from celery import shared_task
from django.conf import settings

from brokerage.services import requests

# As every beat job: retried with backoff; a request expired already is skipped on the next run.
RETRY = {"autoretry_for": (Exception,), "retry_backoff": True, "retry_backoff_max": 300, "max_retries": 5}


@shared_task(soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT, **RETRY)
def meeting_requests_expire() -> int:
    """Beat job: meeting requests nobody answered in time expire."""
    return requests.meeting_requests_expire()
