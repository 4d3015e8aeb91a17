"""Write paths of the matchmaking: full recomputes into a new generation (prepare, map chunks,
reduce chunks, activate), the incremental update of one organisation, staff overrides and the
organisations' feedback. The Celery tasks in companies/tasks.py only call these."""

from __future__ import annotations

import contextlib
import datetime
import logging
import time

import numpy as np
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Count, F, Max, Q
from django.utils import timezone

from companies import embedding, matching_data
from companies.choices import FeedbackVerdict, GenerationState, OverrideAction, VerificationState
from companies.matching import corpus as cm
from companies.matching.engine import COMPONENTS, PINNED, ChunkResult, Engine, incremental_update
from companies.matching.params import Params
from companies.models import (
    ClusterMembership,
    ContactRequest,
    Match,
    MatchChunk,
    MatchExclusion,
    MatchFeedback,
    MatchGeneration,
    MatchOverride,
    Organisation,
    PartneringProfile,
)
from outbox.selectors import waiting
from outbox.services import task_enqueue
from wfs_portal.heartbeat import heartbeat
from wfs_portal.services import validated_save

logger = logging.getLogger(__name__)


def matching_params() -> Params:
    return Params.from_mapping(settings.MATCHING)


def active_generation() -> MatchGeneration | None:
    return MatchGeneration.objects.filter(state=GenerationState.ACTIVE).first()


# --- full recompute ------------------------------------------------------------------------------


def match_generation_start(*, user=None) -> MatchGeneration:
    """Start a full recompute, or resume the one being built when nothing works on it (its worker
    died, a chunk failed, or its task was lost): chunks that are done are not computed again. While
    a worker works on it (a sign of life within MATCHING_STALL_SECONDS) or its tasks wait in the
    outbox for the broker, it is returned as it is: starting it twice would only race."""
    with transaction.atomic():
        generation = (
            MatchGeneration.objects.select_for_update()
            .filter(state=GenerationState.BUILDING)
            .order_by("-created")
            .first()
        )
        if generation is not None and not (generation.error or generation_stalled(generation)):
            return generation
        if generation is not None and generation.attempts >= MAX_ATTEMPTS:
            _give_up(generation)
            generation = None
        if generation is None:
            generation = MatchGeneration.objects.create(
                requested_by=user,
                parameters={**matching_params().as_dict(), "model": embedding.MODEL_NAME},
                started_at=timezone.now(),
                heartbeat_at=timezone.now(),
            )
            _enqueue_run(generation.pk)
            return generation
        _resume(generation)
    return generation


def match_generation_watch() -> str:
    """The watchdog (Celery beat, every minute): a generation being built that nothing works on for
    MATCHING_STALL_SECONDS, or whose chunk failed, is resumed; one that failed MAX_ATTEMPTS times is
    given up (the nightly run starts afresh). Returns what it did."""
    with transaction.atomic():
        generation = (
            MatchGeneration.objects.select_for_update()
            .filter(state=GenerationState.BUILDING)
            .order_by("-created")
            .first()
        )
        if generation is None or not (generation.error or generation_stalled(generation)):
            return "nothing to do"
        if generation.attempts >= MAX_ATTEMPTS:
            _give_up(generation)
            return f"generation {generation.pk} given up"
        _resume(generation)
        return f"generation {generation.pk} resumed"


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
    MatchGeneration.objects.filter(pk=generation.pk, snapshot=PREPARING).update(snapshot="")
    # The re-sending counts as a sign of life: the watchdog waits a whole period before the next.
    MatchGeneration.objects.filter(pk=generation.pk).update(
        error="", updated=now, heartbeat_at=now, attempts=F("attempts") + 1
    )
    _enqueue_run(generation.pk)


def _enqueue_run(generation_id: int) -> None:
    task_enqueue("companies.tasks.match_generation_run", args=[generation_id], coalesce=f"matching.run:{generation_id}")


def generation_stalled(generation: MatchGeneration) -> bool:
    """Nothing worked on the generation for MATCHING_STALL_SECONDS (no heartbeat of a preparation,
    no chunk claimed, renewed or finished), and none of its tasks waits in the outbox for the broker:
    its worker is gone, or its tasks were lost."""
    last = generation.chunks.aggregate(claimed=Max("claimed_at"), done=Max("done_at"))
    since = max(filter(None, [last["claimed"], last["done"], generation.heartbeat_at, generation.started_at]))
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


PREPARING = "-"  # the snapshot field while the corpus is being built
MAX_ATTEMPTS = 3  # runs of one generation (the first and the resumptions) before it is given up
INCREMENTAL_REACH = 2000  # organisations whose lists an incremental update may enter


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
                "companies.tasks.match_generation_activate",
                args=[generation_id],
                coalesce=f"matching.chunk:{generation_id}:activate",
            )
            return
        live = timezone.now() - datetime.timedelta(seconds=settings.MATCHING_STALL_SECONDS)
        for index in pending.exclude(claimed_at__gte=live).order_by("index").values_list("index", flat=True):
            task_enqueue(
                f"companies.tasks.match_{phase}_chunk",
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
        snapshot=PREPARING, updated=timezone.now()
    )
    if not claimed:
        generation.refresh_from_db()
        return generation.snapshot not in ("", PREPARING)
    try:
        with heartbeat(MatchGeneration.objects.filter(pk=generation.pk), every=_heartbeat_seconds()):
            _prepare(generation)
    except Exception as exc:
        MatchGeneration.objects.filter(pk=generation.pk, snapshot=PREPARING).update(
            snapshot="", error=f"prepare: {exc!r}"[:2000]
        )
        raise
    generation.refresh_from_db()
    return True


def _prepare(generation: MatchGeneration) -> None:
    params = Params.from_stored(generation.parameters)
    corpus = matching_data.build_corpus()
    engine = Engine(corpus, params)  # calibrates the text signal on this corpus
    # Rows without a list get +inf: the pre-filter keeps no candidates for them.
    thresholds = np.full(corpus.n, np.inf, dtype=np.float32)
    wants = np.flatnonzero(corpus.wants_list)
    thresholds[wants] = engine.thresholds(wants)
    size = settings.MATCHING_BLOCK_SIZE
    blocks = _blocks(corpus.n, size)
    maps = (len(blocks) + 1) // 2
    path = matching_data.save_snapshot(
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


_engines: dict[str, tuple[Engine, np.ndarray, int]] = {}
_applied: dict[str, object] = {}  # snapshot -> moment up to which changes are in its cached engine


def _engine(generation: MatchGeneration) -> tuple[Engine, np.ndarray, int]:
    """The generation's engine, thresholds and block size, once per worker process. Two are kept:
    the active generation's (incremental updates) and the one being built (its chunks)."""
    if generation.snapshot not in _engines:
        while len(_engines) >= 2:
            oldest = next(iter(_engines))
            del _engines[oldest]
            _applied.pop(oldest, None)
        snapshot = matching_data.load_snapshot(generation.snapshot)
        engine = Engine(snapshot["corpus"], snapshot["params"])
        _engines[generation.snapshot] = (engine, snapshot["thresholds"], snapshot["block_size"])
    return _engines[generation.snapshot]


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
    """Candidates of one map chunk (its block rows against every later block), written per
    destination block for the reduce chunks. Idempotent."""
    chunk = _claim(generation_id, MatchChunk.Phase.MAP, index)
    if chunk is None:
        return False
    started = time.perf_counter()
    with _chunk_claim_held(chunk):
        engine, thresholds, size = _engine(chunk.generation)
        blocks = _blocks(engine.corpus.n, size)
        found = engine.map_candidates(_map_rows(index, len(blocks)), blocks, size, thresholds)
        for d, (rows, cols, fwd, bwd) in found.items():
            matching_data.save_arrays(
                matching_data.snapshot_path(generation_id, f"map-{index}-to-{d}.npz"),
                rows=rows,
                cols=cols,
                fwd=fwd,
                bwd=bwd,
            )
    _claim_done(chunk, time.perf_counter() - started)
    return True


def match_reduce_chunk(*, generation_id: int, index: int) -> bool:
    """The lists of one block of organisations from the candidates all map chunks found for it,
    written into the generation (replacing what an interrupted earlier attempt wrote). Idempotent."""
    chunk = _claim(generation_id, MatchChunk.Phase.REDUCE, index)
    if chunk is None:
        return False
    started = time.perf_counter()
    with _chunk_claim_held(chunk):
        _reduce(chunk, generation_id, index)
    _claim_done(chunk, time.perf_counter() - started)
    return True


def _reduce(chunk: MatchChunk, generation_id: int, index: int) -> None:
    engine, _, size = _engine(chunk.generation)
    # The rules, overrides and feedback as they are now, not as they were when the run started.
    matching_data.apply_rules(engine.corpus)
    maps = MatchChunk.objects.filter(generation_id=generation_id, phase=MatchChunk.Phase.MAP).count()
    pieces = []
    for m in range(maps):
        path = matching_data.snapshot_path(generation_id, f"map-{m}-to-{index}.npz")
        if default_storage.exists(path):
            data = matching_data.load_arrays(path)
            pieces.append((data["rows"], data["cols"], data["fwd"], data["bwd"]))
    if pieces:
        rows, cols, fwd, bwd = (np.concatenate(x) for x in zip(*pieces, strict=True))
    else:
        rows = cols = np.zeros(0, dtype=np.int64)
        fwd = bwd = np.zeros(0, dtype=np.float32)
    block = np.arange(chunk.start, min(chunk.stop, engine.corpus.n))
    result = engine.rank(block, rows, cols, fwd, bwd)
    with transaction.atomic():
        organisations = [int(x) for x in engine.corpus.ids[block]]
        Match.objects.filter(generation_id=generation_id, organisation_id__in=organisations).delete()
        write_matches(generation_id, result, engine.corpus)


def match_generation_activate(*, generation_id: int) -> bool:
    """Switch to the generation when all its chunks are done: one short transaction retires the
    active one and activates this one. Then clean up: the map files, and generations retired
    before the previous switch (the one just retired stays a while for readers in flight)."""
    with transaction.atomic():
        generation = MatchGeneration.objects.select_for_update().get(pk=generation_id)
        if generation.state != GenerationState.BUILDING or generation.snapshot in ("", PREPARING):
            return False
        chunks = generation.chunks.aggregate(total=Count("pk"), done=Count("pk", filter=Q(done_at__isnull=False)))
        if not (generation.chunks_total > 0 and chunks["total"] == chunks["done"] == generation.chunks_total):
            return False
        now = timezone.now()
        MatchGeneration.objects.filter(state=GenerationState.ACTIVE).update(state=GenerationState.RETIRED)
        MatchGeneration.objects.filter(pk=generation_id).update(
            state=GenerationState.ACTIVE, finished_at=now, activated_at=now, error=""
        )
    analyse_matches()
    for name in _map_files(generation_id):
        default_storage.delete(name)
    retired = list(
        MatchGeneration.objects.filter(state__in=[GenerationState.RETIRED, GenerationState.FAILED])
        .order_by("-activated_at", "-created")
        .values_list("pk", flat=True)
    )
    for old in retired[1:]:
        matching_data.delete_generation_files(old)
        MatchGeneration.objects.filter(pk=old).delete()
    # Organisations that changed while the generation was built, or whose rules, overrides or
    # feedback did, are brought up to date.
    with transaction.atomic():
        for pk in sorted(changed_since(generation.started_at or generation.created)):
            matching_update_schedule(organisation_id=pk, delay=0)
    return True


def changed_since(moment) -> set[int]:
    """Organisations whose data, profiles, cluster ties, overrides, feedback, exclusions or
    introductions changed (or were deleted: the history says so) since ``moment``."""
    ids = set(
        Organisation.objects.filter(
            Q(updated__gte=moment)
            | Q(partnering_profiles__updated__gte=moment)
            | Q(cluster_memberships__updated__gte=moment)
        ).values_list("pk", flat=True)
    )
    for model, columns in (
        (PartneringProfile, ("organisation_id",)),
        (ClusterMembership, ("organisation_id",)),
        (MatchOverride, ("organisation_id",)),
        (MatchFeedback, ("organisation_id",)),
        (MatchExclusion, ("organisation_id", "other_id")),
        (ContactRequest, ("requester_id", "target_id")),
    ):
        for row in model.history.filter(history_date__gte=moment).values_list(*columns):
            ids.update(pk for pk in row if pk)
    return ids


def _map_files(generation_id: int) -> list[str]:
    folder = f"matching/generation-{generation_id}"
    if not default_storage.exists(folder):
        return []
    return [f"{folder}/{name}" for name in default_storage.listdir(folder)[1] if name.startswith("map-")]


def match_generation_fail(*, generation_id: int, error: str) -> None:
    """Record why a chunk failed; the generation stays invisible and can be resumed."""
    MatchGeneration.objects.filter(pk=generation_id, state=GenerationState.BUILDING).update(error=error[:2000])


# --- writing lists ---------------------------------------------------------------------------------


# PostgreSQL's binary COPY format: a header, per row the number of fields and per field its length
# and its value in network byte order, and a trailer. Every column of a match is a fixed-width
# number, so a whole block of rows is one numpy structured array: no per-row Python at all.
_COPY_COLUMNS = [
    ("generation_id", ">i8"),
    ("organisation_id", ">i8"),
    ("partner_id", ">i8"),
    ("rank", ">i2"),
    ("score", ">f8"),
    *[(name, ">f8") for name in COMPONENTS],
    ("reason_flags", ">i4"),
    ("shared_fields", ">i4"),
    ("request_profile_ref", ">i8"),
    ("offer_profile_ref", ">i8"),
    ("pinned", "?"),
]
_COPY_ROW = np.dtype(
    [("fields", ">i2")] + [item for name, kind in _COPY_COLUMNS for item in ((f"{name}__len", ">i4"), (name, kind))]
)
_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, header extension length
_COPY_TRAILER = b"\xff\xff"


def write_matches(generation_id: int, result: ChunkResult, corpus: cm.Corpus) -> int:
    """Insert the lists of a result into a generation. PostgreSQL gets them by one binary COPY of
    a numpy buffer (a million rows of a 50,000-organisation run in seconds); other databases by
    bulk_create."""
    if not len(result):
        return 0
    ids = np.asarray(corpus.ids, dtype=np.int64)
    profile_ids = np.asarray(corpus.profile_ids, dtype=np.int64)

    def profiles(rows: np.ndarray) -> np.ndarray:
        return np.where(rows >= 0, profile_ids[np.maximum(rows, 0)] if len(profile_ids) else 0, 0)

    values = {
        "generation_id": generation_id,
        "organisation_id": ids[result.rows],
        "partner_id": ids[result.partners],
        "rank": result.ranks,
        "score": np.clip(result.scores, 0.0, 1.0),
        **{name: result.components[name] for name in COMPONENTS},
        "reason_flags": result.reason_flags,
        "shared_fields": result.shared_fields,
        "request_profile_ref": profiles(result.request_profile),
        "offer_profile_ref": profiles(result.offer_profile),
        "pinned": (result.reason_flags & PINNED) != 0,
    }
    if connection.vendor == "postgresql":
        rows = np.empty(len(result), dtype=_COPY_ROW)
        rows["fields"] = len(_COPY_COLUMNS)
        for name, kind in _COPY_COLUMNS:
            rows[f"{name}__len"] = np.dtype(kind).itemsize
            rows[name] = values[name]
        columns = ", ".join(name for name, _ in _COPY_COLUMNS)
        sql = f"COPY {Match._meta.db_table} ({columns}) FROM STDIN (FORMAT BINARY)"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            copy.write(_COPY_HEADER + rows.tobytes() + _COPY_TRAILER)
    else:
        names = [name for name, _ in _COPY_COLUMNS]
        columns = [np.broadcast_to(values[name], len(result)).tolist() for name in names]
        Match.objects.bulk_create(
            [Match(**dict(zip(names, row, strict=True))) for row in zip(*columns, strict=True)], batch_size=2000
        )
    return len(result)


# --- incremental ---------------------------------------------------------------------------------


def _current_engine(generation: MatchGeneration, organisation_ids: set[int]) -> Engine:
    """The active generation's engine with the organisations that changed since it was last brought
    up to date (since its snapshot, the first time) and the given ones, and the current rules and
    feedback. Changed rows are overwritten in place; only an organisation the engine has never seen
    makes it build new matrices."""
    engine, thresholds, size = _engine(generation)
    since = _applied.get(generation.snapshot) or generation.started_at or generation.created
    now = timezone.now()
    changed = changed_since(since) | organisation_ids
    queryset = matching_data.organisations_queryset().filter(pk__in=changed)
    records = matching_data.org_records(queryset)
    present = {r.id for r in records}
    # Organisations no longer verified stay in the arrays, but are neither proposed nor listed.
    corpus = engine.corpus
    records += [
        cm.OrgRecord(id=pk, kind="company", eligible=False, wants_list=False)
        for pk in changed - present
        if pk in corpus._index
    ]
    known = [corpus._index.get(r.id, -1) for r in records]
    eligible_before = corpus.eligible[[row for row in known if row >= 0]].copy()
    rows = cm.update_in_place(corpus, records)
    if rows is None:
        engine = Engine(cm.update(corpus, records), engine.params)
        _engines[generation.snapshot] = (engine, thresholds, size)
    else:
        engine.refresh_rows(rows, eligible_before)
    _applied[generation.snapshot] = now
    matching_data.apply_rules(engine.corpus)
    return engine


def matching_update_schedule(*, organisation_id: int, delay: float | None = None) -> None:
    """Bring the organisation's matches up to date in the background, ``delay`` seconds from now
    (default MATCHING_DEBOUNCE_SECONDS). More changes of the same organisation while the update
    waits make no second update: they move the waiting one to ``delay`` after the last change."""
    task_enqueue(
        "companies.tasks.match_organisation_update",
        args=[organisation_id],
        coalesce=f"matching.update:{organisation_id}",
        delay=settings.MATCHING_DEBOUNCE_SECONDS if delay is None else delay,
    )


def match_organisation_update(*, organisation_id: int) -> dict:
    """Bring the active generation up to date after one organisation changed: its own list, the
    lists it enters and the lists it is in (they are recomputed: it may have left them, or moved
    in them). Returns what changed."""
    generation = active_generation()
    if generation is None or generation.snapshot in ("", PREPARING):
        return {"skipped": "no active generation"}
    engine = _current_engine(generation, {organisation_id})
    if organisation_id not in engine.corpus._index:
        return {"skipped": "organisation unknown to the engine"}
    return update_lists(generation, engine, engine.corpus.index_of(organisation_id))


def update_lists(generation: MatchGeneration, engine: Engine, row: int) -> dict:
    """Write the lists of the generation that change when the organisation at corpus ``row``
    changed: its own and those it is in are computed afresh against everybody (it may have left
    them, or moved in them, and a place may need filling); a list it enters is re-ranked from its
    current partners and the newcomer (the next full run looks at everybody again)."""
    corpus = engine.corpus
    organisation_id = int(corpus.ids[row])
    k = engine.params.k
    # The lists the organisation could enter: those of the organisations that would score it
    # highest (a weaker one would need an unusually weak list to take it). A list is entered for
    # certain when the organisation scores more than the score at its last place plus the largest
    # diversity penalty (the re-ranking would have picked it before that place); a narrower margin
    # may or may not win against the diversity of the list, which is left to the next full run.
    # Only the last places are read, one index entry per list.
    scores = engine.scores_as_partner(row)
    finite = np.flatnonzero(np.isfinite(scores))
    reach = finite[np.argsort(-scores[finite])[:INCREMENTAL_REACH]]
    thresholds = np.full(corpus.n, np.inf, dtype=np.float32)  # outside the reach: never entered
    thresholds[reach] = -np.inf  # a list shorter than k takes anybody it may
    matches = Match.objects.filter(generation=generation).order_by()
    owners = [int(corpus.ids[r]) for r in reach]
    for start in range(0, len(owners), 500):
        last = matches.filter(organisation_id__in=owners[start : start + 500], rank=k - 1)
        for owner, score in last.values_list("organisation_id", "score"):
            thresholds[corpus.index_of(owner)] = score + engine.params.diversity
    members = np.asarray(
        [
            corpus.index_of(pk)
            for pk in matches.filter(partner_id=organisation_id).values_list("organisation_id", flat=True)
            if pk in corpus._index
        ],
        dtype=np.int64,
    )
    _, _, enters = incremental_update(engine, row, thresholds, members, scores=scores, own=False)
    # Every list that holds the organisation is recomputed, not only those it leaves: its score
    # and place in them changed too.
    exact = np.unique(np.concatenate([[row], members]))
    entered = np.setdiff1d(np.asarray(sorted(enters), dtype=np.int64), exact)
    current = np.full((len(entered), k), -1, dtype=np.int64)
    at = {int(r): n for n, r in enumerate(entered)}
    owners = [int(corpus.ids[r]) for r in entered]
    for owner, partner, rank in matches.filter(organisation_id__in=owners).values_list(
        "organisation_id", "partner_id", "rank"
    ):
        if partner in corpus._index and rank < k:
            current[at[corpus.index_of(owner)], rank] = corpus.index_of(partner)
    result = ChunkResult.concat([engine.compute(exact), engine.rerank_with(entered, current, row)])
    with transaction.atomic():
        owners = [int(corpus.ids[r]) for r in np.concatenate([exact, entered])]
        Match.objects.filter(generation=generation, organisation_id__in=owners).delete()
        write_matches(generation.pk, result, corpus)
    holding = set(result.rows[result.partners == row].tolist())
    return {
        "own": int((result.rows == row).sum()),
        "left": len(set(members.tolist()) - holding),
        "entered": len(set(entered.tolist()) & holding),
        "recomputed": len(exact),
        "reranked": len(entered),
    }


def analyse_matches() -> None:
    """Fresh planner statistics for the match table after a generation of a million rows was
    written (PostgreSQL), so that the first incremental updates use the list indexes at once
    instead of waiting for autovacuum."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Match._meta.db_table}")


# --- staff and organisations -----------------------------------------------------------------------


@transaction.atomic
def match_override_set(*, organisation: Organisation, partner: Organisation, action: str | None, user, note=""):
    """Pin a partner into an organisation's list, hide it, or (``action=None``) lift the override.
    Takes effect in the lists at once (incremental update) and in every later run."""
    if action is None:
        MatchOverride.objects.filter(organisation=organisation, partner=partner).delete()
        override = None
    else:
        override = MatchOverride.objects.filter(organisation=organisation, partner=partner).first() or MatchOverride(
            organisation=organisation, partner=partner
        )
        override.action = OverrideAction(action)
        override.note = note
        override.user = user
        validated_save(override, user=user, reason=f"match {action}")
    matching_update_schedule(organisation_id=organisation.pk, delay=0)
    return override


@transaction.atomic
def match_feedback_give(*, organisation: Organisation, partner: Organisation, verdict: str, user) -> MatchFeedback:
    """An organisation's verdict on a proposed partner ("interesting" or "not relevant")."""
    feedback = MatchFeedback.objects.filter(organisation=organisation, partner=partner).first() or MatchFeedback(
        organisation=organisation, partner=partner
    )
    feedback.verdict = FeedbackVerdict(verdict)
    feedback.user = user
    validated_save(feedback, user=user, reason=f"feedback {verdict}")
    matching_update_schedule(organisation_id=organisation.pk, delay=0)
    return feedback


def organisation_is_matchable(organisation: Organisation) -> bool:
    return organisation.verification_state == VerificationState.VERIFIED and not organisation.matchmaking_opt_out
