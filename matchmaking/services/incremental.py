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
from matchmaking.services.writer import organisation_ids, profile_refs, write_matches
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
    records = corpus_loading.org_records(sorted(changed))
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


def _delete_places(ids: list[int]) -> None:
    """Delete matches by id: on PostgreSQL with the ids as one array parameter (as ``_last_places``)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {Match._meta.db_table} WHERE id = ANY(%s)", [ids])
        return
    for start in range(0, len(ids), 500):
        Match.objects.filter(pk__in=ids[start : start + 500]).delete()


# Scores closer than this are the same score computed by products of another shape.
SAME_SCORE = 1e-6


def _changed_places(places: dict, result: ChunkResult, owner_ids, partner_ids, corpus: cm.Corpus, changed_id: int):
    """Which stored places of the recomputed lists to delete (match ids) and which entries of
    ``result`` to write: a place that keeps its partner, score, reasons and the profiles they name
    is kept as it is, unless the partner is the changed organisation. Usually the places above the
    one where an organisation enters or leaves a list stay."""
    said = zip(
        partner_ids,
        result.reason_flags.tolist(),
        profile_refs(corpus, result.request_profile).tolist(),
        profile_refs(corpus, result.offer_profile).tolist(),
        strict=True,
    )
    places_now = zip(owner_ids, result.ranks.tolist(), strict=True)
    changed = np.ones(len(result), dtype=bool)
    kept = set()
    for n, (key, what, score) in enumerate(zip(places_now, said, result.scores.tolist(), strict=True)):
        stored = places.get(key)
        if stored and stored[1:] == what and what[0] != changed_id and abs(stored[0][1] - score) <= SAME_SCORE:
            changed[n] = False
            kept.add(key)
    stale = [stored[0][0] for key, stored in places.items() if key not in kept]
    return stale, changed


def update_lists(generation: MatchGeneration, engine: Engine, row: int) -> dict:
    """Write the lists of the generation that change when the organisation at corpus ``row``
    changed: its own and those it is in are computed afresh against everybody (it may have left
    them, or moved in them, and a place may need filling); a list it enters is re-ranked from its
    current partners and the newcomer (the next full run looks at everybody again)."""
    corpus = engine.corpus
    organisation_id = int(corpus.ids[row])
    k = engine.params.k
    matches = Match.objects.filter(generation=generation).order_by()
    members = np.asarray(
        [
            corpus.index_of(pk)
            for pk in matches.filter(partner_id=organisation_id).values_list("organisation_id", flat=True)
            if pk in corpus._index
        ],
        dtype=np.int64,
    )
    # Its own list, the lists it is in and how everybody would score it, from one pass over the
    # matrices. Every list that holds it is recomputed, not only those it leaves: its score and
    # place in them changed too.
    exact = np.unique(np.concatenate([[row], members]))
    recomputed, scores = engine.compute_around(row, members)
    # The lists the organisation could enter: those of the organisations that would score it
    # highest (a weaker one would need an unusually weak list to take it). A list is entered for
    # certain when the organisation scores more than the score at its last place plus the largest
    # diversity penalty (the re-ranking would have picked it before that place); a narrower margin
    # may or may not win against the diversity of the list, which is left to the next full run.
    # Only the last places are read, one index entry per list.
    finite = np.flatnonzero(np.isfinite(scores))
    reach = finite[np.argsort(-scores[finite])[:INCREMENTAL_REACH]]
    thresholds = np.full(corpus.n, np.inf, dtype=np.float32)  # outside the reach: never entered
    thresholds[reach] = -np.inf  # a list shorter than k takes anybody it may
    margin = engine.params.mmr_diversity
    for owner, score in _last_places(generation, [int(corpus.ids[r]) for r in reach], k - 1):
        thresholds[corpus.index_of(owner)] = score + margin
    _, _, enters = incremental_update(engine, row, thresholds, members, scores=scores, own=False)
    entered = np.setdiff1d(np.asarray(sorted(enters), dtype=np.int64), exact)
    # The lists as they are, read once: the partners of those it enters, and every place of all
    # of them (only changed places are written, only new pairs announced).
    current = np.full((len(entered), k), -1, dtype=np.int64)
    at = {owner: n for n, owner in enumerate(organisation_ids(corpus, entered).tolist())}
    owners = organisation_ids(corpus, np.concatenate([exact, entered])).tolist()
    places = {}  # (organisation, rank) -> ((match id, score), partner, flags, request profile, offer profile)
    columns = ("partner_id", "reason_flags", "request_profile_ref", "offer_profile_ref")
    for pk, owner, rank, score, *said in matches.filter(organisation_id__in=owners).values_list(
        "pk", "organisation_id", "rank", "score", *columns
    ):
        partner = said[0]
        places[owner, rank] = ((pk, score), *said)
        place = at.get(owner)
        if place is not None and partner in corpus._index and rank < k:
            current[place, rank] = corpus.index_of(partner)
    result = ChunkResult.concat([recomputed, engine.rerank_with(entered, current, row)])
    owner_ids = organisation_ids(corpus, result.rows).tolist()
    partner_ids = organisation_ids(corpus, result.partners).tolist()
    stale, changed = _changed_places(places, result, owner_ids, partner_ids, corpus, organisation_id)
    with transaction.atomic():
        _delete_places(stale)
        write_matches(generation.pk, result.take(changed), corpus)
        before = {(owner, stored[1]) for (owner, _), stored in places.items()}
        written = zip(owner_ids, partner_ids, strict=True)
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
