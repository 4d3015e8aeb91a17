"""Celery tasks of the companies app. They take ids, fetch, and call a service; they are
idempotent (a chunk that is done, or that a live worker holds, is not computed again) and retried
with backoff. They are started through the outbox (outbox.services.task_enqueue), by name."""

import logging

from celery import shared_task
from django.conf import settings

from companies.choices import DuplicateKind
from companies.services import duplicates as duplicates_services
from companies.services import organisations as organisations_services
from companies.services import profiles as profiles_services

logger = logging.getLogger(__name__)

RETRY = {"autoretry_for": (Exception,), "retry_backoff": True, "retry_backoff_max": 300, "max_retries": 5}


@shared_task(soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT, **RETRY)
def partnering_profiles_expire() -> int:
    """Daily: expire published partnering profiles past their 'valid until' date."""
    return organisations_services.partnering_profiles_expire()


@shared_task(soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT, **RETRY)
def partnering_profile_renewal_reminders_send() -> int:
    """Daily: remind the representatives 30 days before a published profile's 'valid until' date
    (once per profile and date, however often or on however many workers it runs)."""
    return profiles_services.partnering_profile_renewal_reminders_send()


@shared_task(soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT, **RETRY)
def duplicates_search(kind: str | None = None) -> int:
    """Nightly (both kinds) and on staff's "Search again" (one kind): compute the possible duplicates
    and store them for the admin's page. Returns the number of pairs stored."""
    kinds = [kind] if kind else list(DuplicateKind)
    return sum(duplicates_services.duplicates_search_run(kind=one) for one in kinds)
