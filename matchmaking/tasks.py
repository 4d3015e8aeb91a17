"""Celery tasks of matchmaking. They take ids, fetch, and call a service; they are idempotent (a
chunk that is done, or that a live worker holds, is not computed again) and retried with backoff.
They are started through the outbox (outbox.generations.task_enqueue), by name."""

import logging

from celery import shared_task
from django.conf import settings

from companies.tasks import RETRY
from matchmaking.services import generations, incremental

logger = logging.getLogger(__name__)


@shared_task(soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT, **RETRY)
def match_generation_start() -> int:
    """Nightly (Celery beat): start a full recompute of everybody's matches."""
    return generations.match_generation_start().pk


@shared_task(soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT, **RETRY)
def match_generation_watch() -> str:
    """Every minute (Celery beat): resume a generation whose worker died or whose chunk failed."""
    return generations.match_generation_watch()


@shared_task(
    soft_time_limit=settings.MATCHING_PREPARE_TIME_LIMIT - 60, time_limit=settings.MATCHING_PREPARE_TIME_LIMIT, **RETRY
)
def match_generation_run(generation_id: int) -> None:
    """Prepare the generation (snapshot and chunks) and hand its chunks to the workers through the
    outbox; each chunk that completes a phase hands out the next (generations.match_generation_run)."""
    generations.match_generation_run(generation_id=generation_id)


CHUNK_LIMITS = {
    "soft_time_limit": settings.MATCHING_CHUNK_TIME_LIMIT - 30,
    "time_limit": settings.MATCHING_CHUNK_TIME_LIMIT,
}


@shared_task(**CHUNK_LIMITS, **RETRY)
def match_map_chunk(generation_id: int, index: int) -> bool:
    return _chunk("map", generations.match_map_chunk, generation_id, index)


@shared_task(**CHUNK_LIMITS, **RETRY)
def match_reduce_chunk(generation_id: int, index: int) -> bool:
    return _chunk("reduce", generations.match_reduce_chunk, generation_id, index)


def _chunk(phase: str, service, generation_id: int, index: int) -> bool:
    """Compute a chunk; an error is noted on the generation (the watchdog resumes it) and raised
    for the retry."""
    try:
        return service(generation_id=generation_id, index=index)
    except Exception as exc:
        generations.match_generation_fail(generation_id=generation_id, error=f"{phase} chunk {index}: {exc!r}")
        raise


@shared_task(soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT, **RETRY)
def match_generation_activate(generation_id: int) -> bool:
    return generations.match_generation_activate(generation_id=generation_id)


@shared_task(soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT, **RETRY)
def match_organisation_update(organisation_id: int) -> dict:
    return incremental.match_organisation_update(organisation_id=organisation_id)
