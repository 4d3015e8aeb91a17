"""The incremental update: after one organisation changed, the active generation's lists that it
is in, enters or owns are recomputed (scheduled through the outbox, debounced per organisation)."""

from __future__ import annotations

import logging

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from companies.models.clusters import ClusterMembership
from companies.models.organisations import Organisation
from companies.models.profiles import PartneringProfile
from matchmaking import corpus_loading
from matchmaking.engine import corpus as cm
from matchmaking.engine.engine import ChunkResult, Engine, incremental_update
from matchmaking.engine.records import OrgRecord
from matchmaking.models.generations import SNAPSHOT_PREPARING, MatchGeneration
from matchmaking.models.introductions import ContactRequest
from matchmaking.models.matches import Match, MatchExclusion, MatchFeedback, MatchOverride
from matchmaking.selectors import active_generation
from matchmaking.services import engines
from matchmaking.services.engines import generation_engine
from matchmaking.services.writer import write_matches
from outbox.services import task_enqueue
from wfs_portal import events

logger = logging.getLogger(__name__)


INCREMENTAL_REACH = 2000  # organisations whose lists an incremental update may enter


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


def _current_engine(generation: MatchGeneration, organisation_ids: set[int]) -> Engine:
    """The active generation's engine with the organisations that changed since it was last brought
    up to date (since its snapshot, the first time) and the given ones, and the current rules and
    feedback. Changed rows are overwritten in place; only an organisation the engine has never seen
    makes it build new matrices."""
    engine, thresholds, size = generation_engine(generation)
    since = engines.applied.get(generation.snapshot) or generation.started_at or generation.created
    now = timezone.now()
    changed = changed_since(since) | organisation_ids
    queryset = corpus_loading.organisations_queryset().filter(pk__in=changed)
    records = corpus_loading.org_records(queryset)
    present = {r.id for r in records}
    # Organisations no longer verified stay in the arrays, but are neither proposed nor listed.
    corpus = engine.corpus
    records += [
        OrgRecord(id=pk, kind="company", eligible=False, wants_list=False)
        for pk in changed - present
        if pk in corpus._index
    ]
    known = [corpus._index.get(r.id, -1) for r in records]
    eligible_before = corpus.eligible[[row for row in known if row >= 0]].copy()
    rows = cm.update_in_place(corpus, records)
    if rows is None:
        engine = Engine(cm.update(corpus, records), engine.params)
        engines.cache[generation.snapshot] = (engine, thresholds, size)
    else:
        engine.refresh_rows(rows, eligible_before)
    engines.applied[generation.snapshot] = now
    corpus_loading.apply_rules(engine.corpus)
    return engine


def matching_update_schedule(*, organisation_id: int, delay: float | None = None) -> None:
    """Bring the organisation's matches up to date in the background, ``delay`` seconds from now
    (default MATCHING_DEBOUNCE_SECONDS). More changes of the same organisation while the update
    waits make no second update: they move the waiting one to ``delay`` after the last change."""
    task_enqueue(
        "matchmaking.tasks.match_organisation_update",
        args=[organisation_id],
        coalesce=f"matching.update:{organisation_id}",
        delay=settings.MATCHING_DEBOUNCE_SECONDS if delay is None else delay,
    )


def match_organisation_update(*, organisation_id: int) -> dict:
    """Bring the active generation up to date after one organisation changed: its own list, the
    lists it enters and the lists it is in (they are recomputed: it may have left them, or moved
    in them). Returns what changed."""
    generation = active_generation()
    if generation is None or generation.snapshot in ("", SNAPSHOT_PREPARING):
        return {"skipped": "no active generation"}
    engine = _current_engine(generation, {organisation_id})
    if organisation_id not in engine.corpus._index:
        return {"skipped": "organisation unknown to the engine"}
    return update_lists(generation, engine, engine.corpus.index_of(organisation_id))


def _last_places(generation: MatchGeneration, owners: list[int], rank: int):
    """(organisation, score) of the given place of the organisations' lists. On PostgreSQL one
    query with the ids as one array parameter: two thousand ids as separate parameters cost more
    time to prepare and send than the query takes."""
    if connection.vendor == "postgresql":
        table = Match._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT organisation_id, score FROM {table} "
                "WHERE generation_id = %s AND rank = %s AND organisation_id = ANY(%s)",
                [generation.pk, rank, owners],
            )
            return cursor.fetchall()
    matches = Match.objects.filter(generation=generation, rank=rank).order_by()
    found = []
    for start in range(0, len(owners), 500):
        found += matches.filter(organisation_id__in=owners[start : start + 500]).values_list("organisation_id", "score")
    return found


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
    margin = engine.params.mmr_diversity
    for owner, score in _last_places(generation, [int(corpus.ids[r]) for r in reach], k - 1):
        thresholds[corpus.index_of(owner)] = score + margin
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
        lists = Match.objects.filter(generation=generation, organisation_id__in=owners)
        before = set(lists.values_list("organisation_id", "partner_id"))
        lists.delete()
        write_matches(generation.pk, result, corpus)
        ids = np.asarray(corpus.ids, dtype=np.int64)
        written = zip(ids[result.rows].tolist(), ids[result.partners].tolist(), strict=True)
        new_pairs = sorted(set(written) - before)
        if new_pairs:
            events.publish(events.MATCH_CREATED, generation, pairs=new_pairs)
    holding = set(result.rows[result.partners == row].tolist())
    return {
        "own": int((result.rows == row).sum()),
        "left": len(set(members.tolist()) - holding),
        "entered": len(set(entered.tolist()) & holding),
        "recomputed": len(exact),
        "reranked": len(entered),
    }
