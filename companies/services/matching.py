"""Write paths of the matchmaking: full recomputes into a new generation (prepare, map chunks,
reduce chunks, activate), the incremental update of one organisation, staff overrides and the
organisations' feedback. The Celery tasks in companies/tasks.py only call these."""

from __future__ import annotations

import logging
import time

import numpy as np
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Count, F, Min, Q
from django.utils import timezone

from companies import embedding, matching_data
from companies.choices import FeedbackVerdict, GenerationState, OverrideAction, VerificationState
from companies.matching import corpus as cm
from companies.matching.engine import COMPONENTS, PINNED, ChunkResult, Engine, incremental_update
from companies.matching.params import Params
from companies.models import (
    Match,
    MatchChunk,
    MatchFeedback,
    MatchGeneration,
    MatchOverride,
    Organisation,
)
from wfs_portal.services import validated_save

logger = logging.getLogger(__name__)


def matching_params() -> Params:
    return Params.from_mapping(settings.MATCHING)


def active_generation() -> MatchGeneration | None:
    return MatchGeneration.objects.filter(state=GenerationState.ACTIVE).first()


# --- full recompute ------------------------------------------------------------------------------


def match_generation_start(*, user=None) -> MatchGeneration:
    """Start a full recompute, or resume the one being built (a re-run completes a generation
    whose worker died or whose chunk failed: chunks that are done are not computed again)."""
    from companies import tasks

    with transaction.atomic():
        generation = (
            MatchGeneration.objects.select_for_update()
            .filter(state=GenerationState.BUILDING)
            .order_by("-created")
            .first()
        )
        if generation is None:
            generation = MatchGeneration.objects.create(
                requested_by=user,
                parameters={**matching_params().as_dict(), "model": embedding.MODEL_NAME},
                started_at=timezone.now(),
            )
        elif not (generation.error or _stalled(generation)):
            return generation  # being computed right now: starting it twice would only race
        MatchGeneration.objects.filter(pk=generation.pk).update(error="", updated=timezone.now())
        transaction.on_commit(lambda: tasks.match_generation_run.delay(generation.pk))
    return generation


def _stalled(generation: MatchGeneration) -> bool:
    """No chunk finished for longer than a task may run: its worker is gone."""
    last = (
        generation.chunks.filter(done_at__isnull=False).order_by("-done_at").values_list("done_at", flat=True).first()
    )
    since = max(filter(None, [last, generation.updated, generation.started_at]))
    return (timezone.now() - since).total_seconds() > 2 * settings.CELERY_TASK_TIME_LIMIT


def _blocks(n: int, size: int) -> list[slice]:
    return [slice(s, min(s + size, n)) for s in range(0, n, size)] or [slice(0, 0)]


def _map_rows(index: int, blocks: int) -> list[int]:
    """Map chunk ``index`` takes block rows index and blocks-1-index: the long and the short row of
    the upper triangle, so that chunks are about equally large."""
    return sorted({index, blocks - 1 - index})


PREPARING = "-"  # the snapshot field while the corpus is being built
INCREMENTAL_REACH = 2000  # organisations whose lists an incremental update may enter


def match_generation_prepare(*, generation: MatchGeneration) -> None:
    """Build the corpus (embedding only new texts), the pre-filter thresholds and the chunks, and
    store them as the generation's snapshot. Does nothing when the snapshot exists (resume)."""
    # Claim the preparation, so that two deliveries of the run task do not both build it.
    claimed = MatchGeneration.objects.filter(pk=generation.pk, snapshot="").update(snapshot=PREPARING)
    if not claimed:
        generation.refresh_from_db()
        if generation.snapshot != PREPARING or not _stalled(generation):
            return
    params = Params.from_mapping({k: v for k, v in generation.parameters.items() if k != "model"})
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
    generation.refresh_from_db()


_engines: dict[str, tuple[Engine, np.ndarray, int]] = {}


def _engine(generation: MatchGeneration) -> tuple[Engine, np.ndarray, int]:
    """The generation's engine, thresholds and block size, once per worker process. Two are kept:
    the active generation's (incremental updates) and the one being built (its chunks)."""
    if generation.snapshot not in _engines:
        while len(_engines) >= 2:
            _engines.pop(next(iter(_engines)))
        snapshot = matching_data.load_snapshot(generation.snapshot)
        engine = Engine(snapshot["corpus"], snapshot["params"])
        _engines[generation.snapshot] = (engine, snapshot["thresholds"], snapshot["block_size"])
    return _engines[generation.snapshot]


def _claim_done(chunk: MatchChunk, seconds: float) -> None:
    """Mark a chunk done exactly once (a redelivered task finds it done and changes nothing)."""
    with transaction.atomic():
        changed = MatchChunk.objects.filter(pk=chunk.pk, done_at__isnull=True).update(
            done_at=timezone.now(), seconds=seconds
        )
        if changed == 1:
            MatchGeneration.objects.filter(pk=chunk.generation_id).update(chunks_done=F("chunks_done") + 1)


def _pending(generation_id: int, phase: str, index: int) -> MatchChunk | None:
    return (
        MatchChunk.objects.select_related("generation")
        .filter(
            generation_id=generation_id,
            generation__state=GenerationState.BUILDING,
            phase=phase,
            index=index,
            done_at__isnull=True,
        )
        .first()
    )


def match_map_chunk(*, generation_id: int, index: int) -> bool:
    """Candidates of one map chunk (its block rows against every later block), written per
    destination block for the reduce chunks. Idempotent."""
    chunk = _pending(generation_id, MatchChunk.Phase.MAP, index)
    if chunk is None:
        return False
    started = time.perf_counter()
    engine, thresholds, size = _engine(chunk.generation)
    blocks = _blocks(engine.corpus.n, size)
    found: dict[int, list] = {}
    for x in _map_rows(index, len(blocks)):
        for b in blocks[x:]:
            rows, cols, fwd, bwd = engine.block_pair_candidates(blocks[x], b, thresholds)
            dest = rows // size
            for d in np.unique(dest):
                at = dest == d
                found.setdefault(int(d), []).append((rows[at], cols[at], fwd[at], bwd[at]))
    for d, pieces in found.items():
        rows, cols, fwd, bwd = (np.concatenate(x) for x in zip(*pieces, strict=True))
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
    chunk = _pending(generation_id, MatchChunk.Phase.REDUCE, index)
    if chunk is None:
        return False
    started = time.perf_counter()
    engine, _, size = _engine(chunk.generation)
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
    _claim_done(chunk, time.perf_counter() - started)
    return True


def match_generation_activate(*, generation_id: int) -> bool:
    """Switch to the generation when all its chunks are done: one short transaction retires the
    active one and activates this one. Then clean up: the map files, and generations retired
    before the previous switch (the one just retired stays a while for readers in flight)."""
    from companies import tasks

    with transaction.atomic():
        generation = MatchGeneration.objects.select_for_update().get(pk=generation_id)
        if generation.state != GenerationState.BUILDING:
            return False
        if generation.chunks.filter(done_at__isnull=True).exists():
            return False
        now = timezone.now()
        MatchGeneration.objects.filter(state=GenerationState.ACTIVE).update(state=GenerationState.RETIRED)
        MatchGeneration.objects.filter(pk=generation_id).update(
            state=GenerationState.ACTIVE, finished_at=now, activated_at=now, error=""
        )
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
    # Organisations that changed while the generation was built are brought up to date.
    changed = Organisation.objects.filter(
        Q(updated__gte=generation.started_at) | Q(partnering_profiles__updated__gte=generation.started_at)
    ).values_list("pk", flat=True)
    for pk in set(changed):
        tasks.match_organisation_update.delay(pk)
    return True


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
    """The active generation's engine, with the organisations that changed since its snapshot
    (and the given ones) brought up to date, and the current rules and feedback."""
    engine, _, _ = _engine(generation)
    corpus = engine.corpus
    since = generation.started_at or generation.created
    changed = set(
        Organisation.objects.filter(Q(updated__gte=since) | Q(partnering_profiles__updated__gte=since)).values_list(
            "pk", flat=True
        )
    )
    changed |= organisation_ids
    queryset = matching_data.organisations_queryset().filter(pk__in=changed)
    records = matching_data.org_records(queryset)
    present = {r.id for r in records}
    # Organisations no longer verified stay in the arrays, but are neither proposed nor listed.
    for pk in changed - present:
        if pk in corpus._index:
            records.append(cm.OrgRecord(id=pk, kind="company", eligible=False, wants_list=False))
    updated = cm.update(corpus, records)
    matching_data.apply_rules(updated)
    return Engine(updated, engine.params)


def match_organisation_update(*, organisation_id: int) -> dict:
    """Bring the active generation up to date after one organisation changed: its own list, the
    lists it enters (it replaces the last entry) and the lists it leaves (they are recomputed).
    Returns what changed."""
    generation = active_generation()
    if generation is None or generation.snapshot in ("", PREPARING):
        return {"skipped": "no active generation"}
    engine = _current_engine(generation, {organisation_id})
    corpus = engine.corpus
    if organisation_id not in corpus._index:
        return {"skipped": "organisation unknown to the engine"}
    row = corpus.index_of(organisation_id)
    k = engine.params.k
    # The lists the organisation could enter: those of the organisations that would score it
    # highest (a weaker one would need an unusually weak list to take it). Only their lowest
    # scores are read, through the list index, instead of aggregating the whole generation.
    scores = engine.scores_as_partner(row)
    finite = np.flatnonzero(np.isfinite(scores))
    reach = finite[np.argsort(-scores[finite])[:INCREMENTAL_REACH]]
    thresholds = np.full(corpus.n, np.inf, dtype=np.float32)  # outside the reach: never entered
    thresholds[reach] = -np.inf
    owners = [int(corpus.ids[r]) for r in reach]
    for start in range(0, len(owners), 1000):
        stats = (
            Match.objects.filter(generation=generation, organisation_id__in=owners[start : start + 1000])
            .values("organisation_id")
            .annotate(size=Count("pk"), low=Min("score"))
        )
        for entry in stats:
            if entry["size"] >= k:
                thresholds[corpus.index_of(entry["organisation_id"])] = entry["low"]
    members = [
        corpus.index_of(pk)
        for pk in Match.objects.filter(generation=generation, partner_id=organisation_id).values_list(
            "organisation_id", flat=True
        )
        if pk in corpus._index
    ]
    # A list that holds the organisation but lies outside the reach keeps +inf: it is recomputed,
    # which is exact whatever its lowest score.
    own, leaves, enters = incremental_update(
        engine, row, thresholds, np.asarray(members, dtype=np.int64), scores=scores
    )
    # The lists that change are computed afresh (the same ranking with diversity as a full run):
    # the organisation's own, those it leaves (to fill the place) and those it enters.
    rows = np.unique(np.concatenate([[row], leaves, np.asarray(list(enters), dtype=np.int64)]))
    result = engine.compute(rows)
    with transaction.atomic():
        owners = [int(corpus.ids[r]) for r in rows]
        Match.objects.filter(generation=generation, organisation_id__in=owners).delete()
        write_matches(generation.pk, result, corpus)
    return {"own": int((result.rows == row).sum()), "left": len(leaves), "entered": len(enters)}


# --- staff and organisations -----------------------------------------------------------------------


@transaction.atomic
def match_override_set(*, organisation: Organisation, partner: Organisation, action: str | None, user, note=""):
    """Pin a partner into an organisation's list, hide it, or (``action=None``) lift the override.
    Takes effect in the lists at once (incremental update) and in every later run."""
    from companies import tasks

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
    transaction.on_commit(lambda: tasks.match_organisation_update.delay(organisation.pk))
    return override


@transaction.atomic
def match_feedback_give(*, organisation: Organisation, partner: Organisation, verdict: str, user) -> MatchFeedback:
    """An organisation's verdict on a proposed partner ("interesting" or "not relevant")."""
    from companies import tasks

    feedback = MatchFeedback.objects.filter(organisation=organisation, partner=partner).first() or MatchFeedback(
        organisation=organisation, partner=partner
    )
    feedback.verdict = FeedbackVerdict(verdict)
    feedback.user = user
    validated_save(feedback, user=user, reason=f"feedback {verdict}")
    transaction.on_commit(lambda: tasks.match_organisation_update.delay(organisation.pk))
    return feedback


def organisation_is_matchable(organisation: Organisation) -> bool:
    return organisation.verification_state == VerificationState.VERIFIED and not organisation.matchmaking_opt_out
