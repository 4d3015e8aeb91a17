"""Full recomputes into a new generation: start or resume, prepare (snapshot and chunks), map and
reduce chunks claimed by workers, the switch to the new generation, and the watchdog. The Celery
tasks in matchmaking/tasks.py only call these; the services hand them to the outbox by name."""

from __future__ import annotations

import contextlib
import datetime
import logging
import time

import numpy as np
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, Q
from django.utils import timezone
from threadpoolctl import threadpool_limits

from matchmaking import corpus_loading, embedding, map_pieces
from matchmaking.choices import GenerationState
from matchmaking.engine.engine import Engine
from matchmaking.engine.params import Params
from matchmaking.models.generations import SNAPSHOT_PREPARING, MatchChunk, MatchGeneration
from matchmaking.models.matches import Match
from matchmaking.services import engines
from matchmaking.services.engines import generation_engine, matching_params
from matchmaking.services.incremental import changed_since, matching_update_schedule
from matchmaking.services.writer import analyse_matches, write_matches
from outbox.selectors import waiting
from outbox.services import task_enqueue
from wfs_portal import events
from wfs_portal.heartbeat import heartbeat

logger = logging.getLogger(__name__)


# --- full recompute ------------------------------------------------------------------------------


def match_generation_start(*, user=None) -> MatchGeneration:
    """Start a full recompute, or resume the one being built when nothing works on it (its worker
    died, a chunk failed, or its task was lost): chunks that are done are not computed again. While
    a worker works on it (a sign of life within MATCHING_STALL_SECONDS) or its tasks wait in the
    outbox for the broker, it is returned as it is: starting it twice would only race."""
    with transaction.atomic():
        generation = _building_generation_locked()
        if generation is not None and not _needs_resuming(generation):
            return generation
        if generation is not None and _resume_or_give_up(generation):
            return generation
        generation = MatchGeneration.objects.create(
            requested_by=user,
            parameters=generation_parameters(),
            started_at=timezone.now(),
            heartbeat_at=timezone.now(),
        )
        _enqueue_run(generation.pk)
    return generation


def generation_parameters() -> dict:
    """What a new generation stores of the settings it is computed with: the parameters, the
    pre-filter's structure weight as resolved now (so that a run resumed after the default changed
    goes on with the weight its thresholds were estimated with) and the sentence encoder."""
    params = matching_params()
    return {
        **params.as_dict(),
        "prefilter_structure": params.prefilter_structure_weight,
        "model": embedding.MODEL_NAME,
    }


def match_generation_watch() -> str:
    """The watchdog (Celery beat, every minute): a generation being built that nothing works on for
    MATCHING_STALL_SECONDS, or whose chunk failed, is resumed; one that failed MAX_ATTEMPTS times is
    given up (the nightly run starts afresh). Returns what it did."""
    with transaction.atomic():
        generation = _building_generation_locked()
        if generation is None or not _needs_resuming(generation):
            return "nothing to do"
        if _resume_or_give_up(generation):
            return f"generation {generation.pk} resumed"
        return f"generation {generation.pk} given up"


def _building_generation_locked() -> MatchGeneration | None:
    """The generation being built (the latest one), locked until the transaction ends."""
    return (
        MatchGeneration.objects.select_for_update().filter(state=GenerationState.BUILDING).order_by("-created").first()
    )


def _needs_resuming(generation: MatchGeneration) -> bool:
    """A chunk of the generation failed, or nothing works on it (``generation_stalled``)."""
    return bool(generation.error) or generation_stalled(generation)


def _resume_or_give_up(generation: MatchGeneration) -> bool:
    """Run the generation again, or mark it failed once it was run MAX_ATTEMPTS times. Whether it
    runs again."""
    if generation.attempts >= MAX_ATTEMPTS:
        _give_up(generation)
        return False
    _resume(generation)
    return True


def _give_up(generation: MatchGeneration) -> None:
    """It failed again and again (a chunk that crashes every worker, say): mark it failed."""
    MatchGeneration.objects.filter(pk=generation.pk).update(
        state=GenerationState.FAILED,
        finished_at=timezone.now(),
        error=f"{generation.error}\n(given up after {generation.attempts} attempts)".strip()[:4000],
    )


def _resume(generation: MatchGeneration) -> None:
    now = timezone.now()
    # A preparation whose worker stopped beating is done again from the start.
    MatchGeneration.objects.filter(pk=generation.pk, snapshot=SNAPSHOT_PREPARING).update(snapshot="")
    if generation.snapshot not in ("", SNAPSHOT_PREPARING) and not default_storage.exists(generation.snapshot):
        _prepare_again(generation)
    # The re-sending counts as a sign of life: the watchdog waits a whole period before the next.
    MatchGeneration.objects.filter(pk=generation.pk).update(
        error="", updated=now, heartbeat_at=now, attempts=F("attempts") + 1
    )
    _enqueue_run(generation.pk)


def _prepare_again(generation: MatchGeneration) -> None:
    """Its snapshot is gone (the volume of the generation files was lost or emptied), so no chunk can
    run: the generation is prepared again from the start. What its chunks wrote goes too, since the
    new corpus may differ: the map files (a reduce chunk would read a stale one) and the matches."""
    corpus_loading.delete_generation_files(generation.pk)
    Match.objects.filter(generation=generation).delete()
    MatchChunk.objects.filter(generation=generation).delete()
    MatchGeneration.objects.filter(pk=generation.pk).update(snapshot="", chunks_total=0, chunks_done=0)


def _enqueue_run(generation_id: int) -> None:
    task_enqueue(
        "matchmaking.tasks.match_generation_run", args=[generation_id], coalesce=f"matching.run:{generation_id}"
    )


def generation_stalled(generation: MatchGeneration) -> bool:
    """Nothing worked on the generation for MATCHING_STALL_SECONDS (no heartbeat of a preparation,
    no chunk claimed, renewed or finished), and none of its tasks waits in the outbox for the broker:
    its worker is gone, or its tasks were lost."""
    last = generation.chunks.aggregate(claimed=Max("claimed_at"), done=Max("done_at"))
    signs = [t for t in (last["claimed"], last["done"], generation.heartbeat_at, generation.started_at) if t]
    since = max(signs) if signs else generation.created  # never started: its first task was lost
    if (timezone.now() - since).total_seconds() <= settings.MATCHING_STALL_SECONDS:
        return False
    return not waiting(coalesce_prefix=f"matching.run:{generation.pk}") and not waiting(
        coalesce_prefix=f"matching.chunk:{generation.pk}:"
    )


def _blocks(n: int, size: int) -> list[slice]:
    return [slice(s, min(s + size, n)) for s in range(0, n, size)] or [slice(0, 0)]


def _map_rows(index: int, blocks: int) -> list[int]:
    """Map chunk ``index`` takes block rows index and blocks-1-index: the long and the short row of
    the upper triangle, so that chunks are about equally large."""
    return sorted({index, blocks - 1 - index})


MAX_ATTEMPTS = 3  # runs of one generation (the first and the resumptions) before it is given up


def _heartbeat_seconds() -> float:
    """How often a worker renews its claim on a chunk (and the generation's heartbeat while it
    prepares): five times within MATCHING_STALL_SECONDS, so one late beat is no false alarm."""
    return settings.MATCHING_STALL_SECONDS / 5


def match_generation_run(*, generation_id: int) -> None:
    """Prepare the generation (snapshot and chunks), then hand the chunks of the current phase to the
    workers. A second delivery, or one for a generation that is no longer being built, does nothing
    more than hand out the chunks nobody works on."""
    generation = MatchGeneration.objects.filter(pk=generation_id, state=GenerationState.BUILDING).first()
    if generation is None:
        return
    if not match_generation_prepare(generation=generation):
        return  # another delivery of this task is preparing it and hands the chunks out
    _enqueue_chunks(generation_id)


def _enqueue_chunks(generation_id: int) -> None:
    """Enqueue every chunk of the current phase that is not done and not held by a live worker (all
    map chunks first; once they are done the reduce chunks; once those are done the switch)."""
    with transaction.atomic():
        MatchGeneration.objects.select_for_update().filter(pk=generation_id).first()
        chunks = MatchChunk.objects.filter(generation_id=generation_id, done_at__isnull=True)
        maps_left = chunks.filter(phase=MatchChunk.Phase.MAP).exists()
        phase = MatchChunk.Phase.MAP if maps_left else MatchChunk.Phase.REDUCE
        pending = chunks.filter(phase=phase)
        if not pending.exists():
            task_enqueue(
                "matchmaking.tasks.match_generation_activate",
                args=[generation_id],
                coalesce=f"matching.chunk:{generation_id}:activate",
            )
            return
        live = timezone.now() - datetime.timedelta(seconds=settings.MATCHING_STALL_SECONDS)
        for index in pending.exclude(claimed_at__gte=live).order_by("index").values_list("index", flat=True):
            task_enqueue(
                f"matchmaking.tasks.match_{phase}_chunk",
                args=[generation_id, index],
                coalesce=f"matching.chunk:{generation_id}:{phase}:{index}",
            )


def match_generation_prepare(*, generation: MatchGeneration) -> bool:
    """Build the corpus (embedding only new texts), the pre-filter thresholds and the chunks, and
    store them as the generation's snapshot. Returns whether the chunks are ready to run: true at
    once when the snapshot exists (resume), false when another delivery of the task is preparing
    it. A failure puts the generation back to unprepared, with the error, and raises."""
    # Claim the preparation, so that two deliveries of the run task do not both build it.
    claimed = MatchGeneration.objects.filter(pk=generation.pk, snapshot="").update(
        snapshot=SNAPSHOT_PREPARING, updated=timezone.now()
    )
    if not claimed:
        generation.refresh_from_db()
        return generation.snapshot not in ("", SNAPSHOT_PREPARING)
    try:
        with heartbeat(MatchGeneration.objects.filter(pk=generation.pk), every=_heartbeat_seconds()):
            _prepare(generation)
    except Exception as exc:
        MatchGeneration.objects.filter(pk=generation.pk, snapshot=SNAPSHOT_PREPARING).update(
            snapshot="", error=f"prepare: {exc!r}"[:2000]
        )
        raise
    generation.refresh_from_db()
    return True


def _prepare(generation: MatchGeneration) -> None:
    params = Params.from_stored(generation.parameters)
    corpus = corpus_loading.build_corpus()
    # The other worker processes wait for the chunks meanwhile: the matrix products of the pre-filter,
    # its calibration, the hub signal and the thresholds may use their cores.
    with threadpool_limits(settings.MATCHING_PREPARE_THREADS, user_api="blas"):
        engine = Engine(corpus, params)  # calibrates the text signal on this corpus
        # Rows without a list get +inf: the pre-filter keeps no candidates for them.
        thresholds = np.full(corpus.n, np.inf, dtype=np.float32)
        wants = np.flatnonzero(corpus.wants_list)
        thresholds[wants] = engine.thresholds(wants)
    size = settings.MATCHING_BLOCK_SIZE
    blocks = _blocks(corpus.n, size)
    maps = (len(blocks) + 1) // 2
    path = corpus_loading.save_snapshot(
        generation.pk, {"corpus": corpus, "thresholds": thresholds, "block_size": size, "params": params}
    )
    with transaction.atomic():
        MatchChunk.objects.filter(generation=generation).delete()
        MatchChunk.objects.bulk_create(
            [
                MatchChunk(
                    generation=generation,
                    phase=MatchChunk.Phase.MAP,
                    index=x,
                    start=blocks[x].start,
                    stop=max(blocks[x].stop, blocks[x].start + 1),
                )
                for x in range(maps)
            ]
            + [
                MatchChunk(
                    generation=generation,
                    phase=MatchChunk.Phase.REDUCE,
                    index=x,
                    start=b.start,
                    stop=max(b.stop, b.start + 1),
                )
                for x, b in enumerate(blocks)
            ]
        )
        MatchGeneration.objects.filter(pk=generation.pk).update(
            snapshot=path, organisations=corpus.n, chunks_total=maps + len(blocks), chunks_done=0
        )
    engines.keep(path, engine, thresholds, size)


def _claim(generation_id: int, phase: str, index: int) -> MatchChunk | None:
    """Take the chunk for this worker: not done, and not claimed by a worker that is alive (whose
    claim was renewed within MATCHING_STALL_SECONDS). None when there is nothing to take."""
    if not MatchGeneration.objects.filter(pk=generation_id, state=GenerationState.BUILDING).exists():
        return None
    now = timezone.now()
    live = now - datetime.timedelta(seconds=settings.MATCHING_STALL_SECONDS)
    claimed = (
        MatchChunk.objects.filter(generation_id=generation_id, phase=phase, index=index, done_at__isnull=True)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=live))
        .update(claimed_at=now)
    )
    if claimed != 1:
        return None
    return MatchChunk.objects.select_related("generation").get(generation_id=generation_id, phase=phase, index=index)


def _claim_done(chunk: MatchChunk, seconds: float) -> None:
    """Mark a chunk done exactly once (a redelivered task finds it done and changes nothing). The
    chunk that completes its phase hands out the next: the reduce chunks after the last map chunk,
    the switch after the last reduce chunk. The generation's row is locked, so of two chunks that
    finish at the same moment exactly one sees the phase complete."""
    with transaction.atomic():
        MatchGeneration.objects.select_for_update().filter(pk=chunk.generation_id).first()
        changed = MatchChunk.objects.filter(pk=chunk.pk, done_at__isnull=True).update(
            done_at=timezone.now(), seconds=seconds
        )
        if changed != 1:
            return
        MatchGeneration.objects.filter(pk=chunk.generation_id).update(
            chunks_done=F("chunks_done") + 1, heartbeat_at=timezone.now()
        )
        phase_left = MatchChunk.objects.filter(
            generation_id=chunk.generation_id, phase=chunk.phase, done_at__isnull=True
        )
        if not phase_left.exists():
            _enqueue_chunks(chunk.generation_id)


@contextlib.contextmanager
def _chunk_claim_held(chunk: MatchChunk):
    """Renew the claim while the chunk is computed; give it back when the computation fails, so that
    the task's retry (or a resumption) takes the chunk at once instead of waiting for it to go stale."""
    rows = MatchChunk.objects.filter(pk=chunk.pk, done_at__isnull=True)
    try:
        with heartbeat(rows, field="claimed_at", every=_heartbeat_seconds()):
            yield
    except BaseException:
        rows.update(claimed_at=None)
        raise


def match_map_chunk(*, generation_id: int, index: int) -> bool:
    """Candidates of one map chunk (its block rows against every later block), written into one file
    by the block whose lists they belong to, for the reduce chunks. Idempotent."""
    chunk = _claim(generation_id, MatchChunk.Phase.MAP, index)
    if chunk is None:
        return False
    started = time.perf_counter()
    with _chunk_claim_held(chunk):
        engine, thresholds, size = generation_engine(chunk.generation)
        blocks = _blocks(engine.corpus.n, size)
        found = engine.map_candidates(_map_rows(index, len(blocks)), blocks, size, thresholds)
        map_pieces.save(map_pieces.path(generation_id, index), found, len(blocks))
    _claim_done(chunk, time.perf_counter() - started)
    return True


def match_reduce_chunk(*, generation_id: int, index: int) -> bool:
    """The lists of one block of organisations from the candidates all map chunks found for it,
    written into the generation in the transaction that marks the chunk done. Idempotent."""
    chunk = _claim(generation_id, MatchChunk.Phase.REDUCE, index)
    if chunk is None:
        return False
    started = time.perf_counter()
    with _chunk_claim_held(chunk):
        return _reduce(chunk, generation_id, index, started)


def _reduce(chunk: MatchChunk, generation_id: int, index: int, started: float) -> bool:
    engine, _, size = generation_engine(chunk.generation)
    # The rules, overrides and feedback as they are now, not as they were when the run started.
    corpus_loading.apply_rules(engine.corpus)
    maps = MatchChunk.objects.filter(generation_id=generation_id, phase=MatchChunk.Phase.MAP).count()
    pieces = [piece for m in range(maps) if (piece := map_pieces.share(generation_id, m, index)) is not None]
    if pieces:
        rows, cols, fwd, bwd = (np.concatenate(x) for x in zip(*pieces, strict=True))
    else:
        rows = cols = np.zeros(0, dtype=np.int64)
        fwd = bwd = np.zeros(0, dtype=np.float32)
    block = np.arange(chunk.start, min(chunk.stop, engine.corpus.n))
    result = engine.rank(block, rows, cols, fwd, bwd)
    # The lists and the chunk's "done" are committed together, so a chunk that is not done has no
    # lists in the generation, and a new attempt writes without deleting first. (A delete by the
    # block's organisations read every list written so far: 0.7 s per chunk at the end of a run of
    # 200,000 organisations, bench/README.md.)
    with transaction.atomic():
        if not MatchChunk.objects.select_for_update().filter(pk=chunk.pk, done_at__isnull=True).exists():
            return False  # finished by another worker meanwhile
        try:
            with transaction.atomic():
                write_matches(generation_id, result, engine.corpus)
        except IntegrityError:
            # Lists that an attempt committed without marking the chunk done (as chunks were written
            # before the two were one transaction): replaced.
            organisations = [int(x) for x in engine.corpus.ids[block]]
            Match.objects.filter(generation_id=generation_id, organisation_id__in=organisations).delete()
            write_matches(generation_id, result, engine.corpus)
        _claim_done(chunk, time.perf_counter() - started)
    return True


def match_generation_activate(*, generation_id: int) -> bool:
    """Switch to the generation when all its chunks are done: one short transaction retires the
    active one and activates this one. Then clean up: the map files, and generations retired
    before the previous switch (the one just retired stays a while for readers in flight)."""
    with transaction.atomic():
        generation = MatchGeneration.objects.select_for_update().get(pk=generation_id)
        if generation.state != GenerationState.BUILDING or generation.snapshot in ("", SNAPSHOT_PREPARING):
            return False
        chunks = generation.chunks.aggregate(total=Count("pk"), done=Count("pk", filter=Q(done_at__isnull=False)))
        if not (generation.chunks_total > 0 and chunks["total"] == chunks["done"] == generation.chunks_total):
            return False
        now = timezone.now()
        previous = MatchGeneration.objects.filter(state=GenerationState.ACTIVE).values_list("pk", flat=True).first()
        MatchGeneration.objects.filter(state=GenerationState.ACTIVE).update(state=GenerationState.RETIRED)
        MatchGeneration.objects.filter(pk=generation_id).update(
            state=GenerationState.ACTIVE, finished_at=now, activated_at=now, error=""
        )
        events.publish(events.MATCH_CREATED, generation, previous_generation_id=previous)
    analyse_matches()
    for name in map_pieces.generation_files(generation_id):
        default_storage.delete(name)
    retired = list(
        MatchGeneration.objects.filter(state__in=[GenerationState.RETIRED, GenerationState.FAILED])
        .order_by("-activated_at", "-created")
        .values_list("pk", flat=True)
    )
    for old in retired[1:]:
        corpus_loading.delete_generation_files(old)
        MatchGeneration.objects.filter(pk=old).delete()
    # Organisations that changed while the generation was built, or whose rules, overrides or
    # feedback did, are brought up to date.
    with transaction.atomic():
        for pk in sorted(changed_since(generation.started_at or generation.created)):
            matching_update_schedule(organisation_id=pk, delay=0)
    return True


def match_generation_fail(*, generation_id: int, error: str) -> None:
    """Record why a chunk failed; the generation stays invisible and can be resumed."""
    MatchGeneration.objects.filter(pk=generation_id, state=GenerationState.BUILDING).update(error=error[:2000])
