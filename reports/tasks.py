"""Celery tasks of the reports app: they take ids and call a service."""

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError

from reports import services


@shared_task(
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
    # Only a lost database connection is worth a retry by itself; any other failure is recorded on
    # the report and waits for staff to retry it.
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=5,
)
def report_generate(report_id: int) -> str | None:
    report = services.report_generate(report_id=report_id)
    return report.state if report is not None else None


@shared_task(soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT, autoretry_for=(DatabaseError,), retry_backoff=True)
def quarterly_report_start() -> int | None:
    """Celery beat, at the start of every quarter: the report of the quarter that just ended."""
    report = services.quarterly_report_start()
    return report.pk if report is not None else None


@shared_task(soft_time_limit=120, time_limit=180, autoretry_for=(DatabaseError,), retry_backoff=True)
def reports_watch() -> int:
    """Every minute (Celery beat): send reports stuck in "queued" or "running" to the workers again."""
    return services.reports_watch()
