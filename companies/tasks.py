"""Celery tasks of the companies app. They take ids, fetch, and call a service; they are
idempotent (a chunk that is done is not computed again) and retried with backoff."""

import logging

from celery import chord, group, shared_task
from django.conf import settings
from django.core.cache import cache

from companies import services
from companies.choices import GenerationState
from companies.models import MatchChunk, MatchGeneration

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


@shared_task(bind=True, soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT, **RETRY)
def match_generation_run(self, generation_id: int) -> None:
    """Prepare the generation (snapshot and chunks) and fan its chunks out to the workers: all map
    chunks, then (chord) all reduce chunks, then (chord) the switch. Resuming a generation runs only
    the chunks that are not done."""
    generation = MatchGeneration.objects.filter(pk=generation_id, state=GenerationState.BUILDING).first()
    if generation is None:
        return
    if not services.match_generation_prepare(generation=generation):
        return  # another delivery of this task is preparing it and fans the chunks out
    pending = list(
        MatchChunk.objects.filter(generation_id=generation_id, phase=MatchChunk.Phase.MAP, done_at__isnull=True)
        .order_by("index")
        .values_list("index", flat=True)
    )
    if pending:
        chord(group(match_map_chunk.si(generation_id, i) for i in pending))(match_reduce_phase.si(generation_id))
    else:
        match_reduce_phase.delay(generation_id)


@shared_task(ignore_result=False, soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT, **RETRY)
def match_map_chunk(generation_id: int, index: int) -> bool:
    try:
        return services.match_map_chunk(generation_id=generation_id, index=index)
    except Exception as exc:
        services.match_generation_fail(generation_id=generation_id, error=f"map chunk {index}: {exc!r}")
        raise


@shared_task(soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT, **RETRY)
def match_reduce_phase(generation_id: int) -> None:
    pending = list(
        MatchChunk.objects.filter(generation_id=generation_id, phase=MatchChunk.Phase.REDUCE, done_at__isnull=True)
        .order_by("index")
        .values_list("index", flat=True)
    )
    if pending:
        chord(group(match_reduce_chunk.si(generation_id, i) for i in pending))(
            match_generation_activate.si(generation_id)
        )
    else:
        match_generation_activate.delay(generation_id)


@shared_task(ignore_result=False, soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT, **RETRY)
def match_reduce_chunk(generation_id: int, index: int) -> bool:
    try:
        return services.match_reduce_chunk(generation_id=generation_id, index=index)
    except Exception as exc:
        services.match_generation_fail(generation_id=generation_id, error=f"reduce chunk {index}: {exc!r}")
        raise


@shared_task(soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT, **RETRY)
def match_generation_activate(generation_id: int) -> bool:
    return services.match_generation_activate(generation_id=generation_id)


def _debounce_key(organisation_id: int) -> str:
    return f"matching:update:{organisation_id}"


def schedule_organisation_update(organisation_id: int) -> None:
    """Enqueue an update of one organisation's matches after the debounce delay; a later change
    of the same organisation within the delay replaces the token, so only the last one runs."""
    import uuid

    token = uuid.uuid4().hex
    cache.set(_debounce_key(organisation_id), token, timeout=settings.MATCHING_DEBOUNCE_SECONDS + 600)
    match_organisation_update.apply_async((organisation_id, token), countdown=settings.MATCHING_DEBOUNCE_SECONDS)


@shared_task(soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT, **RETRY)
def match_organisation_update(organisation_id: int, token: str | None = None) -> dict:
    if token is not None and cache.get(_debounce_key(organisation_id)) not in (None, token):
        return {"skipped": "superseded by a later change"}
    return services.match_organisation_update(organisation_id=organisation_id)
