"""The lists of partner matches: plain numpy on a ``Corpus``, no Django.

How one block of organisations (rows) gets its lists:

1. Pre-filter. Two matrix products against every organisation that may be proposed (columns):
   ``X @ Y.T`` says how well a column offers what a row needs, ``Y @ X.T`` how well the row offers
   what the column needs. X and Y hold the request and offer embeddings, the lexical (TF-IDF)
   vectors and a small one-hot part for technology fields and district, so one product carries
   every signal that can be had for all pairs. The larger of both directions is compared with a
   threshold per row, estimated on a sample of columns, which keeps a few hundred candidates per
   row without sorting whole rows (``matchmaking.engine.prefilter``).
2. Scoring of the candidates: the two directions are calibrated to [0, 1] and combined by a
   harmonic mean (an introduction only works when both sides gain), then technology structure,
   practical fit, exclusions, staff pins and hides, and the organisations' feedback are applied
   (feedback moves the partners similar to the rated ones, not the rated pair itself;
   ``matchmaking.engine.scoring``).
3. Re-ranking: maximal marginal relevance over the best candidates, so that a list spans
   different kinds and sectors where scores are close.
4. Reasons, as codes and the ids of the best-matching pair of profiles, for the Django side to
   render in German or English (``matchmaking.engine.reason_flags``).

The score of a pair is symmetric apart from feedback, which the incremental update relies on."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matchmaking.engine import scoring
from matchmaking.engine.prefilter import INCREMENTAL_CELLS, Prefilter
from matchmaking.engine.reason_flags import PINNED

ROLE_POOL = 40  # candidates per row whose role signals are computed, at least

COMPONENTS = ("text", "text_forward", "text_backward", "structure", "fit", "feedback")


@dataclass
class ChunkResult:
    """The lists of some organisations: flat arrays, one entry per (row, partner), in list order."""

    rows: np.ndarray  # corpus row of the organisation
    partners: np.ndarray  # corpus row of the partner
    ranks: np.ndarray
    scores: np.ndarray
    components: dict  # name -> float32 array
    reason_flags: np.ndarray  # int32 bit flags
    shared_fields: np.ndarray  # int64 bitmask over FIELDS
    request_profile: np.ndarray  # profile row of the need named in the reason, -1 none
    offer_profile: np.ndarray  # profile row of the offer named in the reason, -1 none

    def __len__(self) -> int:
        return len(self.rows)

    def take(self, keep: np.ndarray) -> ChunkResult:
        """The entries at ``keep`` (a mask or indices)."""
        return ChunkResult(
            rows=self.rows[keep],
            partners=self.partners[keep],
            ranks=self.ranks[keep],
            scores=self.scores[keep],
            components={name: values[keep] for name, values in self.components.items()},
            reason_flags=self.reason_flags[keep],
            shared_fields=self.shared_fields[keep],
            request_profile=self.request_profile[keep],
            offer_profile=self.offer_profile[keep],
        )

    @staticmethod
    def concat(parts: list[ChunkResult]) -> ChunkResult:
        parts = [p for p in parts if len(p)] or parts[:1]
        return ChunkResult(
            rows=np.concatenate([p.rows for p in parts]),
            partners=np.concatenate([p.partners for p in parts]),
            ranks=np.concatenate([p.ranks for p in parts]),
            scores=np.concatenate([p.scores for p in parts]),
            components={c: np.concatenate([p.components[c] for p in parts]) for c in COMPONENTS},
            reason_flags=np.concatenate([p.reason_flags for p in parts]),
            shared_fields=np.concatenate([p.shared_fields for p in parts]),
            request_profile=np.concatenate([p.request_profile for p in parts]),
            offer_profile=np.concatenate([p.offer_profile for p in parts]),
        )


class Engine(Prefilter):
    """Holds the pre-filter matrices of a corpus; computes lists for any range of rows."""

    def score_pairs(
        self, i: np.ndarray, j: np.ndarray, forward_raw=None, backward_raw=None, *, roles: bool = True, role_dots=None
    ) -> dict:
        """All components and the score of pairs (i, j). ``forward_raw``/``backward_raw`` are the
        raw text similarities if the pre-filter has them already; without ``roles`` the learned
        score is a first estimate (``scoring.complete`` completes it)."""
        if forward_raw is None:
            forward_raw = self.text_raw(i, j)
        if backward_raw is None:
            backward_raw = self.text_raw(j, i)
        return scoring.score_pairs(
            self.corpus,
            self.params,
            i,
            j,
            forward_raw,
            backward_raw,
            hubness=self.hubness,
            roles=roles,
            role_dots=role_dots,
        )

    # --- lists ---------------------------------------------------------------------------------
    def compute(self, rows: np.ndarray, block: int = 512) -> ChunkResult:
        """The lists of a few rows, each against all columns (two matrix products per row block)."""
        rows = np.asarray(rows, dtype=np.int64)
        rows = rows[self.corpus.wants_list[rows]]
        parts = []
        for s in range(0, len(rows), block):
            part = rows[s : s + block]
            parts.append(self.rank(part, *self.prefilter(part)))
        return ChunkResult.concat(parts) if parts else _empty_result()

    def compute_around(
        self, row: int, rows: np.ndarray, cells: int = INCREMENTAL_CELLS
    ) -> tuple[ChunkResult, np.ndarray]:
        """The lists of ``row`` and ``rows`` against all columns, and ``scores_as_partner(row)``, from
        the same matrix products (the incremental update): ``row``'s own products against every
        column are how everybody would score it as a partner, and two more product rows (its request
        by everybody's requests, its offer by everybody's offers) give the role signals. So the two
        matrices are read once instead of three times. When some organisations may not be proposed
        the columns are not everybody, and the partner scores take products of their own."""
        rows = np.unique(np.append(np.asarray(rows, dtype=np.int64), row))
        if self.Xc is not self.X:
            return self.compute(rows), self.scores_as_partner(row)
        c = self.corpus
        d = self.dims
        step = max(1, cells // max(1, len(self.columns)))
        parts, own = [], None
        for start in range(0, len(rows), step):
            part = rows[start : start + step]
            left_x, left_y = self.X[part], self.Y[part]
            if row in part:
                # Its offer against everybody's offers beside the forward rows, its request against
                # everybody's requests beside the backward rows: the embeddings alone.
                offer, request = np.zeros((2, 1, self.X.shape[1]), dtype=np.float32)
                offer[0, :d], request[0, :d] = self.Y[row, :d], self.X[row, :d]
                left_x, left_y = np.vstack([left_x, offer]), np.vstack([left_y, request])
            forward, backward = self.products(left_x, left_y)
            if row in part:
                at = int(np.searchsorted(part, row))
                own = {
                    "needs": forward[at].copy(),  # what each column offers against what row needs
                    "offers": backward[at].copy(),  # what row offers against what each column needs
                    "same_need": backward[-1].copy(),
                    "same_offer": forward[-1].copy(),
                }
                forward, backward = forward[:-1], backward[:-1]
            listed = c.wants_list[part]
            if listed.any():
                found = self._prefilter(part[listed], (forward[listed], backward[listed]))
                parts.append(self.rank(part[listed], *found))
        result = ChunkResult.concat(parts) if parts else _empty_result()
        return result, self.scores_as_partner(row, own=own)

    def compute_all(self, block: int = 1024) -> ChunkResult:
        """Everybody's lists in one process, by the same map (block pairs) and reduce (ranking)
        steps that the Celery workflow distributes."""
        n = self.corpus.n
        if n == 0:
            return _empty_result()
        thresholds = np.full(n, np.inf, dtype=np.float32)  # rows without a list keep no candidates
        wants = np.flatnonzero(self.corpus.wants_list)
        thresholds[wants] = self.thresholds(wants)
        blocks = [slice(s, min(s + block, n)) for s in range(0, n, block)]
        found = self.map_candidates(range(len(blocks)), blocks, block, thresholds)
        empty = (np.zeros(0, np.int64),) * 2 + (np.zeros(0, np.float32),) * 2
        parts = [self.rank(np.arange(a.start, a.stop), *found.get(d, empty)) for d, a in enumerate(blocks)]
        return ChunkResult.concat(parts)

    def rank(self, rows, i, j, forward, backward, *, refill: bool = True) -> ChunkResult:
        """The lists of ``rows`` from their candidate pairs (i, j) with the pre-filter's raw values.
        With ``refill``, rows with fewer candidates than the re-ranking looks at are first given
        their candidates against all columns; without, the candidates are all there is."""
        c = self.corpus
        p = self.params
        rows = np.asarray(rows, dtype=np.int64)
        rows = rows[c.wants_list[rows]]
        if not len(rows):
            return _empty_result()
        # Rows the pre-filter left short (its estimate was too high) are redone against all columns.
        counts = np.bincount(i, minlength=c.n)[rows]
        short = rows[counts < min(p.rerank_pool * p.k, len(self.columns) - 1)] if refill else rows[:0]
        if len(short):
            keep = ~np.isin(i, short)
            extra = self.prefilter(short)
            i, j, forward, backward = (
                np.concatenate([x[keep], y]) for x, y in zip((i, j, forward, backward), extra, strict=True)
            )
        structure = self.structure_part(i, j)
        forward = forward - structure
        backward = backward - structure
        # Pinned pairs join even when the pre-filter did not find them.
        if len(c.pinned):
            pin_i, pin_j = np.divmod(c.pinned, c.n)
            mine = np.isin(pin_i, rows)
            have = set(zip(i.tolist(), j.tolist(), strict=True)) if mine.any() else set()
            extra = [
                (a, b) for a, b in zip(pin_i[mine].tolist(), pin_j[mine].tolist(), strict=True) if (a, b) not in have
            ]
            if extra:
                ei, ej = (np.asarray(x, dtype=np.int64) for x in zip(*extra, strict=True))
                i = np.concatenate([i, ei])
                j = np.concatenate([j, ej])
                forward = np.concatenate([forward, self.text_raw(ei, ej)])
                backward = np.concatenate([backward, self.text_raw(ej, ei)])
        keep = scoring.allowed(c, i, j) & np.isin(i, rows)
        i, j, forward, backward = i[keep], j[keep], forward[keep], backward[keep]
        pinned = np.isin(i * c.n + j, c.pinned) if len(c.pinned) else np.zeros(len(i), dtype=bool)
        scored = self.score_pairs(i, j, forward, backward, roles=False)
        if scored["features"] is not None:
            # The role signals cost a product of two embeddings per pair: the learned score is first
            # estimated without them (and without telling the text's embedding and lexical parts
            # apart), then completed for each row's best candidates by that estimate (twice the
            # list, at least ROLE_POOL: the roles are penalties, so the list is among them unless
            # more than half of them are penalised) and for every pair of two organisations seeking
            # a partner of their own kind (the co-operation raises those).
            cooperate = np.flatnonzero(c.cooperation[i] & c.cooperation[j])
            best = _best_per_row(i, scored["score"] + 10 * pinned, max(2 * p.k, ROLE_POOL))
            keep = np.zeros(len(i), dtype=bool)
            keep[best] = keep[cooperate] = True
            keep = np.flatnonzero(keep)
            i, j, pinned, scored = i[keep], j[keep], pinned[keep], scoring.subset(scored, keep)
            scoring.complete(c, p, i, j, scored, forward[keep], backward[keep])
        scoring.apply_feedback(c, p, i, j, scored)
        floor = p.list_floor
        if floor > 0:  # too weak to be worth anybody's time, however short the list
            keep = pinned | (scored["score"] >= floor)
            i, j, pinned, scored = i[keep], j[keep], pinned[keep], scoring.subset(scored, keep)
        scored["flags"] |= np.where(pinned, PINNED, 0).astype(np.int32)
        return self._rank(np.sort(rows), i, j, scored, pinned)

    def _rank(self, rows, i, j, scored, pinned) -> ChunkResult:
        """Per row: pinned partners first, then maximal marginal relevance over the best pool."""
        c = self.corpus
        p = self.params
        if not len(i):
            return _empty_result()
        # Lay the candidates out as a (rows, width) table, best first within each row.
        position = np.searchsorted(rows, i)  # rows are sorted
        order = np.lexsort((-scored["score"] - 10 * pinned, position))
        position, candidates = position[order], order
        counts = np.bincount(position, minlength=len(rows))
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        slot = np.arange(len(order)) - starts[position]
        width = min(int(counts.max()), p.rerank_pool * p.k)
        inside = slot < width
        table = np.full((len(rows), width), -1, dtype=np.int64)
        table[position[inside], slot[inside]] = candidates[inside]
        valid = table >= 0
        cand = np.where(valid, table, 0)
        score = np.where(valid, scored["score"][cand] + 10 * pinned[cand], -np.inf)
        kind = np.where(valid, c.kind[j[cand]], -1)
        section = np.where(valid, c.sections[j[cand]], -1)
        picked = np.full((len(rows), min(p.k, width)), -1, dtype=np.int64)
        penalty = np.zeros(score.shape, dtype=np.float32)
        available = valid.copy()
        for step in range(picked.shape[1]):
            mmr = np.where(available, score - p.mmr_diversity * penalty, -np.inf)
            best = np.argmax(mmr, axis=1)
            ok = np.isfinite(mmr[np.arange(len(rows)), best])
            picked[ok, step] = cand[ok, best[ok]]
            available[ok, best[ok]] = False
            same_kind = kind == kind[np.arange(len(rows)), best][:, None]
            same_section = section == section[np.arange(len(rows)), best][:, None]
            penalty = np.where(ok[:, None], np.maximum(penalty, 0.5 * same_kind + 0.5 * same_section), penalty)
        ranks = np.broadcast_to(np.arange(picked.shape[1]), picked.shape)
        chosen = picked >= 0
        index = picked[chosen]
        return self._result(i[index], j[index], ranks[chosen], scored, index)

    def rerank_with(self, rows: np.ndarray, partners: np.ndarray, newcomer: int) -> ChunkResult:
        """The lists of ``rows`` re-ranked from their current partners (``partners``: one row of
        partner rows per list, -1 pads) and ``newcomer``: how a list changes when one organisation
        enters it, without looking at all columns again."""
        rows = np.asarray(rows, dtype=np.int64)
        if not len(rows):
            return _empty_result()
        table = np.hstack([partners, np.full((len(rows), 1), newcomer, dtype=np.int64)])
        i = np.repeat(rows, table.shape[1])
        j = table.ravel()
        keep = (j >= 0) & (j != i)
        i, j = i[keep], j[keep]
        forward = self.scale * np.einsum("md,md->m", self.X[i], self.Y[j])
        backward = self.scale * np.einsum("md,md->m", self.Y[i], self.X[j])
        return self.rank(rows, i, j, forward, backward, refill=False)

    def _result(self, i, j, ranks, scored, index) -> ChunkResult:
        request_profile, offer_profile = self.best_profiles(
            i, j, scored["text_forward"][index], scored["text_backward"][index]
        )
        return ChunkResult(
            rows=i,
            partners=j,
            ranks=ranks.astype(np.int16),
            scores=scored["score"][index],
            components={name: scored[name][index] for name in COMPONENTS},
            reason_flags=scored["flags"][index],
            shared_fields=scored["shared_fields"][index],
            request_profile=request_profile,
            offer_profile=offer_profile,
        )

    def best_profiles(self, i, j, forward, backward, batch: int = 2048):
        """For the stronger direction of each pair, the request profile and the offer profile that
        match best: the titles a person reads in the reason."""
        c = self.corpus
        needer = np.where(forward >= backward, i, j)
        offerer = np.where(forward >= backward, j, i)
        request_profile = np.full(len(i), -1, dtype=np.int64)
        offer_profile = np.full(len(i), -1, dtype=np.int64)
        if not len(c.profile_vectors):
            return request_profile, offer_profile
        # With one request and one offer profile at most (the usual case) there is nothing to choose.
        single = ((c.request_profiles[needer, 1:] < 0).all(axis=1)) & ((c.offer_profiles[offerer, 1:] < 0).all(axis=1))
        request_profile[single] = c.request_profiles[needer[single], 0]
        offer_profile[single] = c.offer_profiles[offerer[single], 0]
        several = np.flatnonzero(~single)
        for start in range(0, len(several), batch):
            part = several[start : start + batch]
            req = c.request_profiles[needer[part]]  # (m, P)
            off = c.offer_profiles[offerer[part]]
            rv = c.profile_vectors[np.maximum(req, 0)].astype(np.float32)  # (m, P, d)
            ov = c.profile_vectors[np.maximum(off, 0)].astype(np.float32)
            sims = np.einsum("mad,mbd->mab", rv, ov)
            sims[np.broadcast_to((req < 0)[:, :, None], sims.shape)] = -np.inf
            sims[np.broadcast_to((off < 0)[:, None, :], sims.shape)] = -np.inf
            flat = sims.reshape(len(req), -1).argmax(axis=1)
            a, b = np.divmod(flat, off.shape[1])
            found = np.isfinite(sims.reshape(len(req), -1)[np.arange(len(req)), flat])
            rows = np.arange(len(req))
            request_profile[part] = np.where(found, req[rows, a], np.where(req[:, 0] >= 0, req[:, 0], -1))
            offer_profile[part] = np.where(found, off[rows, b], np.where(off[:, 0] >= 0, off[:, 0], -1))
        return request_profile, offer_profile

    # --- one organisation ----------------------------------------------------------------------
    def scores_as_partner(self, row: int, *, own=None) -> np.ndarray:
        """How every organisation would score ``row`` as a partner in its own list (for the
        incremental update); -inf where ``row`` may not appear in that list. Feedback that the
        other organisations gave on similar partners is left out until the next full run.
        ``own``: the products of ``row`` against every organisation if the caller has them
        (``compute_around``): "needs" (its request side by their offer sides), "offers" (its offer
        side by their request sides), "same_need" and "same_offer" (its request and offer
        embeddings by theirs)."""
        c = self.corpus
        scores = np.full(c.n, -np.inf, dtype=np.float32)
        if not c.eligible[row]:
            return scores
        others = np.flatnonzero(c.wants_list)
        me = np.full(len(others), row, dtype=np.int64)
        keep = scoring.allowed(c, others, me)
        others, me = others[keep], me[keep]
        structure = self.structure_part(others, me)
        role_dots = None
        if own is None:  # two matrix-vector products instead of gathering a row of X and Y per pair
            needs, offers = self.Y @ self.X[row], self.X @ self.Y[row]
        else:
            needs, offers = own["needs"], own["offers"]
            role_dots = (own["same_need"][others], own["same_offer"][others])
        forward = self.scale * offers[others] - structure  # others need what row offers
        backward = self.scale * needs[others] - structure  # row needs what others offer
        found = self.score_pairs(others, me, forward, backward, role_dots=role_dots)["score"]
        # Below the floor it enters no list (as in ``rank``); a pinned pair is recomputed anyway.
        scores[others] = np.where(found >= self.params.list_floor, found, -np.inf)
        return scores


def _best_per_row(i: np.ndarray, score: np.ndarray, width: int) -> np.ndarray:
    """Indices of the ``width`` best-scored pairs of each row i."""
    # One sort by a single key (row, then score descending) is three times as fast as a lexsort.
    spread = float(score.max() - score.min()) + 1.0 if len(score) else 1.0
    order = np.argsort(i * spread - score.astype(np.float64))
    ordered = i[order]
    first = np.empty(len(order), dtype=bool)
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    starts = np.maximum.accumulate(np.where(first, np.arange(len(order)), 0))
    return np.sort(order[np.arange(len(order)) - starts < width])


def _empty_result() -> ChunkResult:
    empty_f = np.zeros(0, dtype=np.float32)
    empty_i = np.zeros(0, dtype=np.int64)
    return ChunkResult(
        rows=empty_i,
        partners=empty_i,
        ranks=np.zeros(0, dtype=np.int16),
        scores=empty_f,
        components=dict.fromkeys(COMPONENTS, empty_f),
        reason_flags=np.zeros(0, dtype=np.int32),
        shared_fields=empty_i,
        request_profile=empty_i,
        offer_profile=empty_i,
    )


def incremental_update(
    engine: Engine,
    row: int,
    thresholds: np.ndarray,
    member_of: np.ndarray,
    scores: np.ndarray | None = None,
    own: bool = True,
):
    """What changes in the lists when organisation ``row`` changed.

    ``thresholds``: per corpus row, the lowest score in its current list (-inf while the list is
    shorter than k); ``member_of``: the rows whose list contains ``row`` now. Returns its own new
    list (None with ``own=False``), the rows whose list ``row`` leaves and {row: score} for the
    lists it enters (the caller recomputes those lists)."""
    own = engine.compute(np.asarray([row])) if own else None
    if scores is None:
        scores = engine.scores_as_partner(row)
    member = np.zeros(engine.corpus.n, dtype=bool)
    member[np.asarray(member_of, dtype=np.int64)] = True
    member[row] = False
    leaves = np.flatnonzero(member & ~(scores >= thresholds))
    enters = np.flatnonzero(~member & (scores > thresholds) & engine.corpus.wants_list)
    enters = enters[enters != row]
    return own, leaves, {int(r): float(scores[r]) for r in enters}
