"""Celery tasks of the companies app. They take ids, fetch, and call a service; they are
idempotent (a chunk that is done, or that a live worker holds, is not computed again) and retried
with backoff. They are started through the outbox (outbox.services.task_enqueue), by name."""

import logging

from celery import shared_task
from django.conf import settings

from companies import services

logger = logging.getLogger(__name__)

RETRY = {"autoretry_for": (Exception,), "retry_backoff": True, "retry_backoff_max": 300, "max_retries": 5}


@shared_task(soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT, **RETRY)
def partnering_profiles_expire() -> int:
    """Daily: expire published partnering profiles past their 'valid until' date."""
    return services.partnering_profiles_expire()


@shared_task(soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT, **RETRY)
def partnering_profile_renewal_reminders_send() -> int:
    """Daily: remind the representatives 30 days before a published profile's 'valid until' date
    (once per profile and date, however often or on however many workers it runs)."""
    return services.partnering_profile_renewal_reminders_send()


# --- matchmaking ---------------------------------------------------------------------------------


@shared_task(soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT, **RETRY)
def match_generation_start() -> int:
    """Nightly (Celery beat): start a full recompute of everybody's matches."""
    return services.match_generation_start().pk


@shared_task(soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT, **RETRY)
def match_generation_watch() -> str:
    """Every minute (Celery beat): resume a generation whose worker died or whose chunk failed."""
    return services.match_generation_watch()


@shared_task(
    soft_time_limit=settings.MATCHING_PREPARE_TIME_LIMIT - 60, time_limit=settings.MATCHING_PREPARE_TIME_LIMIT, **RETRY
)
def match_generation_run(generation_id: int) -> None:
    """Prepare the generation (snapshot and chunks) and hand its chunks to the workers through the
    outbox; each chunk that completes a phase hands out the next (services.match_generation_run)."""
    services.match_generation_run(generation_id=generation_id)


CHUNK_LIMITS = {
    "soft_time_limit": settings.MATCHING_CHUNK_TIME_LIMIT - 30,
    "time_limit": settings.MATCHING_CHUNK_TIME_LIMIT,
}


@shared_task(**CHUNK_LIMITS, **RETRY)
def match_map_chunk(generation_id: int, index: int) -> bool:
    try:
        return services.match_map_chunk(generation_id=generation_id, index=index)
    except Exception as exc:
        services.match_generation_fail(generation_id=generation_id, error=f"map chunk {index}: {exc!r}")
        raise


@shared_task(**CHUNK_LIMITS, **RETRY)
def match_reduce_chunk(generation_id: int, index: int) -> bool:
    try:
        return services.match_reduce_chunk(generation_id=generation_id, index=index)
    except Exception as exc:
        services.match_generation_fail(generation_id=generation_id, error=f"reduce chunk {index}: {exc!r}")
        raise


@shared_task(soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT, **RETRY)
def match_generation_activate(generation_id: int) -> bool:
    return services.match_generation_activate(generation_id=generation_id)


@shared_task(soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT, **RETRY)
def match_organisation_update(organisation_id: int) -> dict:
    return services.match_organisation_update(organisation_id=organisation_id)
