"""Celery tasks of the shared pieces."""

from celery import shared_task

from wfs_portal.idempotency import idempotency_records_purge


@shared_task(soft_time_limit=120, time_limit=180)
def idempotency_records_delete_old() -> int:
    """Daily: forget the answers kept for repeated requests after a day."""
    return idempotency_records_purge()
