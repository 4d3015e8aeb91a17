"""Scoring and ranking of partner matches: plain numpy on a ``Corpus``, no Django.

How one block of organisations (rows) gets its lists:

1. Pre-filter. Two matrix products against every organisation that may be proposed (columns):
   ``X @ Y.T`` says how well a column offers what a row needs, ``Y @ X.T`` how well the row offers
   what the column needs. X and Y hold the request and offer embeddings, the lexical (TF-IDF)
   vectors and a small one-hot part for technology fields and district, so one product carries
   every signal that can be had for all pairs. The larger of both directions is compared with a
   threshold per row, estimated on a sample of columns, which keeps a few hundred candidates per
   row without sorting whole rows.
2. Scoring of the candidates: the two directions are calibrated to [0, 1] and combined by a
   harmonic mean (an introduction only works when both sides gain), then technology structure,
   practical fit, exclusions, staff pins and hides, and the organisations' feedback are applied
   (feedback moves the partners similar to the rated ones, not the rated pair itself).
3. Re-ranking: maximal marginal relevance over the best candidates, so that a list spans
   different kinds and sectors where scores are close.
4. Reasons, as codes and the ids of the best-matching pair of profiles, for the Django side to
   render in German or English.

The score of a pair is symmetric apart from feedback, which the incremental update relies on."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matchmaking.engine.corpus import FIELDS, Corpus, kind_fit_matrix, share
from matchmaking.engine.params import Params

# Reason codes (bit flags in ChunkResult.reason_flags).
PARTNER_OFFERS = 1  # the partner offers what the organisation needs
PARTNER_NEEDS = 2  # the partner needs what the organisation offers
SHARED_FIELD = 4
CROSS_SECTOR = 8
COMPLEMENTARY_DIVISIONS = 16
SAME_DISTRICT = 32
BOTH_SAXONY = 64
TARGET_COUNTRY = 128  # the partner is in a country the organisation's profiles target
SHARED_CLUSTER = 256
KIND_PAIR = 512
FEEDBACK_SIMILAR = 1024
PINNED = 2048
TARGETED_BY_PARTNER = 4096  # the partner's profiles target the organisation's country

COMPONENTS = ("text", "text_forward", "text_backward", "structure", "fit", "feedback")
_KIND_FIT = kind_fit_matrix()
_REASON_TEXT_MIN = 0.25  # a direction is named as a reason from this calibrated similarity on


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


class Engine:
    """Holds the pre-filter matrices of a corpus; computes lists for any range of rows."""

    def __init__(self, corpus: Corpus, params: Params | None = None, *, seed: int = 0):
        self.corpus = corpus
        self.params = params or Params()
        self.rng = np.random.default_rng(seed)
        self.X, self.Y = self._features(np.arange(corpus.n))
        self._columns()
        if corpus.calibration is None:
            corpus.calibration = self.calibrate()

    def _features(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The pre-filter rows X (what a row looks for) and Y (what it offers) of some corpus rows:
        X_i . Y_j = need of i met by j."""
        p = self.params
        c = self.corpus
        fields = ((c.fields[rows, None] >> np.arange(len(FIELDS))) & 1).astype(np.float32)
        district = np.zeros((len(rows), 13), dtype=np.float32)
        inside = c.district[rows] >= 0
        district[np.flatnonzero(inside), c.district[rows][inside]] = 1
        structure = np.sqrt(p.prefilter_structure) * np.hstack([fields, district])
        text = np.sqrt(1 - p.lexical_share)
        lexical = np.sqrt(p.lexical_share)
        parts_x = [text * c.request[rows], lexical * c.lex_request[rows], structure]
        parts_y = [text * c.offer[rows], lexical * c.lex_offer[rows], structure]
        # float32 throughout: half the memory and twice the speed of the matrix products.
        return (
            np.ascontiguousarray(np.hstack(parts_x), dtype=np.float32),
            np.ascontiguousarray(np.hstack(parts_y), dtype=np.float32),
        )

    def _columns(self) -> None:
        c = self.corpus
        self.columns = np.flatnonzero(c.eligible)
        self.column_of = np.full(c.n, -1, dtype=np.int64)
        self.column_of[self.columns] = np.arange(len(self.columns))
        # Column copies only when some organisations may not be proposed (saves memory at scale).
        everybody = len(self.columns) == c.n
        self.Xc = self.X if everybody else np.ascontiguousarray(self.X[self.columns])
        self.Yc = self.Y if everybody else np.ascontiguousarray(self.Y[self.columns])

    def refresh_rows(self, rows: np.ndarray, eligible_before: np.ndarray) -> None:
        """Take up rows of the corpus that were changed in place (``corpus.update_in_place``):
        their pre-filter rows are rebuilt, a few hundred microseconds instead of the whole matrices.
        ``eligible_before``: their eligibility before the change; when it changed, the columns are
        rebuilt too."""
        rows = np.asarray(rows, dtype=np.int64)
        if not len(rows):
            return
        self.X[rows], self.Y[rows] = self._features(rows)
        if (self.corpus.eligible[rows] != eligible_before).any():
            self._columns()
        elif self.Xc is not self.X:
            at = self.column_of[rows]
            inside = at >= 0
            self.Xc[at[inside]] = self.X[rows[inside]]
            self.Yc[at[inside]] = self.Y[rows[inside]]

    # --- signals ---------------------------------------------------------------------------
    def structure_part(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """The one-hot part of the pre-filter product for pairs (i, j)."""
        c = self.corpus
        shared = np.bitwise_count(c.fields[i] & c.fields[j]).astype(np.float32)
        district = ((c.district[i] == c.district[j]) & (c.district[i] >= 0)).astype(np.float32)
        return self.params.prefilter_structure * (shared + district)

    def text_raw(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Raw combined text similarity of i's needs and j's offers, for pairs given by index."""
        return np.einsum("md,md->m", self.X[i], self.Y[j]) - self.structure_part(i, j)

    def calibrate(self, samples: int = 20000) -> tuple[float, float]:
        """Where unrelated pairs lie (a quantile of a sample of pairs that have texts on both
        sides) and where the best ones lie; text similarities are mapped linearly from there."""
        c = self.corpus
        needs = np.flatnonzero(np.abs(c.request).sum(axis=1) > 0)
        offers = np.flatnonzero(np.abs(c.offer).sum(axis=1) > 0)
        if len(needs) == 0 or len(offers) == 0:
            return (0.0, 1.0)
        i = self.rng.choice(needs, samples)
        j = self.rng.choice(offers, samples)
        keep = i != j
        if not keep.any():  # one organisation that both needs and offers: nothing to compare
            return (0.0, 1.0)
        raw = self.text_raw(i[keep], j[keep])
        low = float(np.quantile(raw, self.params.calibration_quantile))
        high = float(max(np.quantile(raw, 0.999), low + 0.05))
        return (low, high)

    def calibrated(self, raw: np.ndarray) -> np.ndarray:
        low, high = self.corpus.calibration
        return np.clip((raw - low) / (high - low), 0.0, 1.0)

    def score_pairs(self, i: np.ndarray, j: np.ndarray, forward_raw=None, backward_raw=None) -> dict:
        """All components and the score of pairs (i, j). ``forward_raw``/``backward_raw`` are the
        raw text similarities if the pre-filter has them already."""
        c = self.corpus
        p = self.params
        if forward_raw is None:
            forward_raw = self.text_raw(i, j)
        if backward_raw is None:
            backward_raw = self.text_raw(j, i)
        forward = self.calibrated(forward_raw)  # j offers what i needs
        backward = self.calibrated(backward_raw)  # i offers what j needs
        value_i = np.maximum(forward, p.customer_value * backward)
        value_j = np.maximum(backward, p.customer_value * forward)
        total = value_i + value_j
        text = np.divide(2 * value_i * value_j, total, out=np.zeros_like(total), where=total > 0)

        shared_fields = c.fields[i] & c.fields[j]
        shared = shared_fields != 0
        # How much of both organisations' technology the shared fields are (Jaccard): two
        # single-field specialists in the same field are closer than two broad generalists.
        union = np.bitwise_count(c.fields[i] | c.fields[j])
        overlap = np.bitwise_count(shared_fields) / np.maximum(union, 1)
        cross = shared & ((c.sections[i] & c.sections[j]) == 0) & (c.sections[i] != 0) & (c.sections[j] != 0)
        complementary = self.complementary(i, j)
        structure = np.maximum(
            overlap * (p.shared_field + p.cross_sector_bonus * cross), complementary * p.complementary_divisions
        )
        structure = np.minimum(structure, 1.0).astype(np.float32)

        same_district = (c.district[i] >= 0) & (c.district[i] == c.district[j])
        both_saxony = (c.district[i] >= 0) & (c.district[j] >= 0) & ~same_district
        abroad = ~(c.in_germany[i] & c.in_germany[j])
        partner_in_target = share(c.targets[i], c.country[j]) & abroad
        targeted_by_partner = share(c.targets[j], c.country[i]) & abroad
        target = partner_in_target | targeted_by_partner
        region = np.select([same_district, target, both_saxony], [1.0, 0.8, 0.6], default=0.2)
        known = (c.size[i] >= 0) & (c.size[j] >= 0)
        size = np.where(known, 1.0 - np.abs(c.size[i].astype(np.float32) - c.size[j]) / 4.0, 0.5)
        cluster = share(c.clusters[i], c.clusters[j])
        kinds = _KIND_FIT[c.kind[i], c.kind[j]]
        fit = p.fit_region * region + p.fit_size * size + p.fit_cluster * cluster + p.fit_kinds * kinds

        # Structure and fit make a good match better; they do not make a match of two
        # organisations that have nothing to offer each other: below ``gate_text`` of text
        # complementarity they count only in part.
        gate = p.gate_floor + (1 - p.gate_floor) * np.minimum(1.0, text / p.gate_text)
        score = p.w_text * text + gate * (p.w_structure * structure + p.w_fit * fit)
        flags = (
            np.where(forward >= _REASON_TEXT_MIN, PARTNER_OFFERS, 0)
            | np.where(backward >= _REASON_TEXT_MIN, PARTNER_NEEDS, 0)
            | np.where(shared, SHARED_FIELD, 0)
            | np.where(cross, CROSS_SECTOR, 0)
            | np.where(complementary, COMPLEMENTARY_DIVISIONS, 0)
            | np.where(same_district, SAME_DISTRICT, 0)
            | np.where(both_saxony, BOTH_SAXONY, 0)
            | np.where(partner_in_target, TARGET_COUNTRY, 0)
            | np.where(targeted_by_partner, TARGETED_BY_PARTNER, 0)
            | np.where(cluster, SHARED_CLUSTER, 0)
            | np.where(kinds >= 0.9, KIND_PAIR, 0)
        ).astype(np.int32)
        return {
            "score": score.astype(np.float32),
            "text": text.astype(np.float32),
            "text_forward": forward.astype(np.float32),
            "text_backward": backward.astype(np.float32),
            "structure": structure,
            "fit": fit.astype(np.float32),
            "feedback": np.zeros(len(i), dtype=np.float32),
            "flags": flags,
            "shared_fields": shared_fields,
        }

    def complementary(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Pairs with NACE divisions that staff declared complementary (any division of each)."""
        c = self.corpus
        if not c.complementary_divisions.any():
            return np.zeros(len(i), dtype=bool)
        di, dj = c.divisions[i], c.divisions[j]
        hit = c.complementary_divisions[np.maximum(di, 0)[:, :, None], np.maximum(dj, 0)[:, None, :]]
        return (hit & (di >= 0)[:, :, None] & (dj >= 0)[:, None, :]).any(axis=(1, 2))

    # --- rules -------------------------------------------------------------------------------
    def allowed(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Pairs that may appear at all: exclusions, hidden pairs and "not relevant" removed."""
        c = self.corpus
        keep = (i != j) & c.eligible[j]
        if c.same_group_rule:
            keep &= ~((c.group[i] != 0) & (c.group[i] == c.group[j]))
        rule = c.competitor_rule[i] | c.competitor_rule[j]
        if rule.any():
            at = np.flatnonzero(rule)
            keep[at] &= ~share(c.classes[i[at]], c.classes[j[at]])
        keys = i.astype(np.int64) * c.n + j
        for blocked in (c.excluded, c.hidden):
            if len(blocked):
                keep &= ~np.isin(keys, blocked)
        if len(c.feedback_rows):
            negative = c.feedback_values < 0
            rejected = c.feedback_rows[negative] * c.n + c.feedback_partners[negative]
            keep &= ~np.isin(keys, rejected)
        return keep

    def apply_feedback(self, i: np.ndarray, j: np.ndarray, scored: dict) -> None:
        """Move partners similar to ones an organisation gave feedback on, by how similar what they
        offer is: up for "interesting" (or an accepted introduction), down for "not relevant".

        The rated partners themselves keep their score: the verdict says what the organisation
        thinks of that partner already, and lifting the pair it marked would only show it its own
        click back as a better match. However many partners were rated, feedback moves a score by at
        most ``similar_feedback`` either way."""
        c = self.corpus
        p = self.params
        if not len(c.feedback_rows):
            return
        adjust = scored["feedback"]
        mine = np.isin(c.feedback_rows, np.unique(i))
        rows, partners, values = c.feedback_rows[mine], c.feedback_partners[mine], c.feedback_values[mine]
        for row, partner, value in zip(rows, partners, values, strict=True):
            at = np.flatnonzero(i == row)
            if not len(at):
                continue
            similar = c.offer[j[at]] @ c.offer[partner]
            adjust[at] += value * p.similar_feedback * np.clip((similar - 0.3) / 0.7, 0, 1)
        adjust[np.isin(i * c.n + j, rows * c.n + partners)] = 0.0
        np.clip(adjust, -p.similar_feedback, p.similar_feedback, out=adjust)
        scored["flags"] |= np.where(np.abs(adjust) > 1e-6, FEEDBACK_SIMILAR, 0).astype(np.int32)
        scored["score"] = np.clip(scored["score"] + adjust, 0.0, 1.0).astype(np.float32)

    # --- pre-filter ----------------------------------------------------------------------------
    def thresholds(self, rows: np.ndarray, sample_size: int = 1024) -> np.ndarray:
        """Per row, the pre-filter score above which about ``candidates`` columns lie, estimated on
        a sample of columns (so that no whole row has to be sorted). -inf keeps every column."""
        p = self.params
        m = len(self.columns)
        rows = np.asarray(rows, dtype=np.int64)
        if m <= 2 * p.candidates:
            return np.full(len(rows), -np.inf, dtype=np.float32)
        sample = np.sort(self.rng.choice(m, size=min(m, sample_size), replace=False))
        rank = max(1, int(np.ceil(p.candidates * len(sample) / m)))
        out = np.empty(len(rows), dtype=np.float32)
        for start in range(0, len(rows), 4096):
            part = rows[start : start + 4096]
            best = np.maximum(self.X[part] @ self.Yc[sample].T, self.Y[part] @ self.Xc[sample].T)
            own = np.flatnonzero(np.isin(self.columns[sample], part))
            if len(own):  # an organisation in its own sample must not lift its threshold
                hit = self.columns[sample][own]
                where = np.searchsorted(part, hit) if np.all(part[:-1] <= part[1:]) else _positions(part, hit)
                best[where, own] = -np.inf
            out[start : start + len(part)] = np.partition(best, -rank, axis=1)[:, -rank]
        return out

    def block_pair_candidates(self, a: slice, b: slice, thresholds: np.ndarray):
        """Candidates between the organisation blocks ``a`` and ``b`` (corpus row slices, a before
        b or equal), in both directions, from one pair of matrix products: the score of a pair is
        symmetric, so the block (a, b) serves the rows of a and, transposed, the rows of b. Rows
        without a list must have a threshold of +inf. Returns (rows, columns, forward raw,
        backward raw) with the structure part still included."""
        c = self.corpus
        forward = self.X[a] @ self.Y[b].T  # b offers what a needs
        backward = self.Y[a] @ self.X[b].T  # a offers what b needs
        best = np.maximum(forward, backward)
        ia = np.arange(a.start, a.stop)
        ib = np.arange(b.start, b.stop)
        if a == b:
            np.fill_diagonal(best, -np.inf)
        # Organisations that may not be proposed are no candidates of anybody (usually none).
        hidden_b = ~c.eligible[ib]
        hidden_a = ~c.eligible[ia]
        best_for_a = best
        if hidden_b.any():
            best_for_a = best.copy()
            best_for_a[:, hidden_b] = -np.inf
        r1, c1 = _nonzero(best_for_a >= thresholds[ia][:, None])
        if a == b:
            return ia[r1], ib[c1], forward[r1, c1], backward[r1, c1]
        if hidden_a.any():
            best = best.copy()
            best[hidden_a, :] = -np.inf
        r2, c2 = _nonzero(best >= thresholds[ib][None, :])
        return (
            np.concatenate([ia[r1], ib[c2]]),
            np.concatenate([ib[c1], ia[r2]]),
            np.concatenate([forward[r1, c1], backward[r2, c2]]),
            np.concatenate([backward[r1, c1], forward[r2, c2]]),
        )

    def prefilter(self, rows: np.ndarray):
        """Candidates of a few rows against all columns (the incremental path): (rows, columns,
        forward raw, backward raw), the structure part included."""
        p = self.params
        forward = self.X[rows] @ self.Yc.T
        backward = self.Y[rows] @ self.Xc.T
        best = np.maximum(forward, backward)
        own = self.column_of[rows]
        mine = np.flatnonzero(own >= 0)
        best[mine, own[mine]] = -np.inf
        threshold = self.thresholds(rows)
        selected = best >= threshold[:, None]
        short = np.flatnonzero(selected.sum(axis=1) < min(p.rerank_pool * p.k, best.shape[1]))
        if len(short):  # the estimate was too high for these rows: take their best pool exactly
            pool = min(best.shape[1], p.rerank_pool * p.k * 2)
            top = np.argpartition(best[short], -pool, axis=1)[:, -pool:]
            selected[short[:, None], top] = True
            selected &= np.isfinite(best)
        r, col = _nonzero(selected)
        return rows[r], self.columns[col], forward[r, col], backward[r, col]

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

    def map_candidates(self, block_rows, blocks: list[slice], size: int, thresholds: np.ndarray) -> dict:
        """The map step: candidates of the given block rows against every later block (the pair
        matrix's upper triangle), grouped by the block of the row they belong to, which is the
        reduce step that ranks them: {block: (rows, columns, forward raw, backward raw)}."""
        found: dict[int, list] = {}
        for x in block_rows:
            for b in blocks[x:]:
                rows, cols, fwd, bwd = self.block_pair_candidates(blocks[x], b, thresholds)
                dest = rows // size
                for d in np.unique(dest):
                    at = dest == d
                    found.setdefault(int(d), []).append((rows[at], cols[at], fwd[at], bwd[at]))
        return {d: tuple(np.concatenate(x) for x in zip(*pieces, strict=True)) for d, pieces in found.items()}

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
        keep = self.allowed(i, j) & np.isin(i, rows)
        i, j, forward, backward = i[keep], j[keep], forward[keep], backward[keep]
        scored = self.score_pairs(i, j, forward, backward)
        self.apply_feedback(i, j, scored)
        pinned = np.isin(i * c.n + j, c.pinned) if len(c.pinned) else np.zeros(len(i), dtype=bool)
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
            mmr = np.where(available, score - p.diversity * penalty, -np.inf)
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
        forward = np.einsum("md,md->m", self.X[i], self.Y[j])
        backward = np.einsum("md,md->m", self.Y[i], self.X[j])
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

    def best_profiles(self, i, j, forward, backward, batch: int = 20000):
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
            rv = c.profile_vectors[np.maximum(req, 0)]  # (m, P, d)
            ov = c.profile_vectors[np.maximum(off, 0)]
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
    def scores_as_partner(self, row: int) -> np.ndarray:
        """How every organisation would score ``row`` as a partner in its own list (for the
        incremental update); -inf where ``row`` may not appear in that list. Feedback that the
        other organisations gave on similar partners is left out until the next full run."""
        c = self.corpus
        scores = np.full(c.n, -np.inf, dtype=np.float32)
        if not c.eligible[row]:
            return scores
        others = np.flatnonzero(c.wants_list)
        me = np.full(len(others), row, dtype=np.int64)
        keep = self.allowed(others, me)
        others, me = others[keep], me[keep]
        # Two matrix-vector products instead of gathering a row of X and Y for every pair.
        structure = self.structure_part(others, me)
        forward = (self.X @ self.Y[row])[others] - structure  # others need what row offers
        backward = (self.Y @ self.X[row])[others] - structure  # row needs what others offer
        scores[others] = self.score_pairs(others, me, forward, backward)["score"]
        return scores


def _nonzero(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """np.nonzero of a 2-d mask, ten times faster: numpy's 2-d nonzero walks element by element."""
    flat = np.flatnonzero(mask)
    return np.divmod(flat, mask.shape[1])


def _positions(rows: np.ndarray, i: np.ndarray) -> np.ndarray:
    lookup = {value: n for n, value in enumerate(rows.tolist())}
    return np.asarray([lookup[v] for v in i.tolist()], dtype=np.int64)


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
