"""Background jobs of brokerage events."""

from celery import shared_task
from django.conf import settings

from brokerage.models.events import BrokerageEvent
from brokerage.services import meetings, outcomes, requests

# As every beat job: retried with backoff; a request expired already is skipped on the next run.
RETRY = {"autoretry_for": (Exception,), "retry_backoff": True, "retry_backoff_max": 300, "max_retries": 5}


@shared_task(soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT, **RETRY)
def meeting_requests_expire() -> int:
    """Beat job: meeting requests nobody answered in time expire."""
    return requests.meeting_requests_expire()


@shared_task(soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT, **RETRY)
def outcome_follow_ups_send() -> int:
    """Beat job: ask, three and six months after a meeting, whether an agreement came about."""
    return outcomes.follow_ups_send()


@shared_task(soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT)
def schedule_run(event_id: int) -> dict:
    """The organiser's scheduler, started from the admin (brokerage.services.meetings.schedule_start)."""
    event = BrokerageEvent.objects.filter(pk=event_id).first()
    return meetings.schedule_run(event) if event is not None else {}


@shared_task(soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT, **RETRY)
def meeting_reminders_send() -> int:
    """Beat job: remind both sides of a meeting the day before and 15 minutes before."""
    return meetings.meeting_reminders_send()
