"""The pre-filter: the matrices X and Y of a corpus, whose products ``X @ Y.T`` and ``Y @ X.T``
carry every signal that can be had for all pairs (see ``matchmaking.engine.engine``), and the
candidates they give, per row against all columns or per pair of row blocks (the map step of a full
run). No Django here.

The score corrects a pair's text similarity for the sentence encoder's language gap
(``scoring.across_languages``: divided by up to ``cross_language_scale`` where the need and the offer
are in different languages); the candidates are chosen by the same corrected values. The products
themselves stay uncorrected (correcting them would take passes over every value of every block):
a pair is a candidate when its corrected value reaches the row's threshold, and only the pairs above
a floor that a corrected value can reach from (``_floor``) are corrected, a few times the
candidates."""

from __future__ import annotations

import numpy as np

from matchmaking.engine import learned, scoring
from matchmaking.engine.arrays import top_k_grouped
from matchmaking.engine.corpus import Corpus, prefilter_width
from matchmaking.engine.params import Params
from matchmaking.engine.vocabulary import DISTRICTS, FIELDS

# The incremental path's row-by-column matrices hold at most this many values each (32 MB): a
# few of them live at once beside the engine, which at 200,000 organisations takes most of a
# worker's 2 GiB; an update that recomputes the lists of many organisations takes them in steps.
INCREMENTAL_CELLS = 1 << 23

# A row's threshold is at least the fourth largest value of its sample of columns (``thresholds``):
# the share of columns above the k-th largest of a sample varies by 1 / sqrt(k), and each row left
# with too few candidates is computed again against every column when it is ranked.
RANK_MIN = 4


class Prefilter:
    """Holds the pre-filter matrices of a corpus and finds the candidate pairs of any rows."""

    def __init__(self, corpus: Corpus, params: Params | None = None, *, seed: int = 0):
        self.corpus = corpus
        self.params = params or Params()
        self.rng = np.random.default_rng(seed)
        p = self.params
        # The products are taken with the embeddings as they are and the lexical and structure
        # parts weighted relative to them: raw = scale * (X_i . Y_j). So the corpus's request and
        # offer vectors can be the first columns of X and Y (views, one copy of each in memory).
        self.scale = 1.0 - p.lexical_share
        self.dims = corpus.offer.shape[1]
        self.text_width = self.dims + corpus.lex_offer.shape[1]
        # The lexical part's weight is carried by X alone (share / scale), so that Y holds the
        # offers' lexical vectors as they are and the corpus reads them from there too.
        self.lexical_weights = (np.float32(p.lexical_share / self.scale), np.float32(1.0))
        spare, corpus.spare_columns = corpus.spare_columns, False  # the buffers are taken once
        self.X = self._side(corpus.request, corpus.lex_request, corpus, spare, self.lexical_weights[0])
        corpus.request = self.X[:, : self.dims]
        self.Y = self._side(corpus.offer, corpus.lex_offer, corpus, spare, self.lexical_weights[1])
        corpus.offer = self.Y[:, : self.dims]
        corpus.lex_offer = self.Y[:, self.dims : self.text_width]
        self._text_rows()
        self._columns()
        if corpus.calibration is None:
            corpus.calibration = self.calibrate()
        # How close every organisation is to everybody, for the learned score's hub penalty (its own
        # random stream, so that the candidates' sample stays as it was), measured once per corpus.
        if self.params.weights:
            if corpus.hub is None:
                corpus.hub = learned.hubness(corpus, np.random.default_rng(seed + 1))
            self.hubness, self.hub_sample = corpus.hub
        else:
            self.hubness, self.hub_sample = np.zeros(corpus.n, dtype=np.float32), np.zeros(0, dtype=np.int64)

    def _structure(self, rows) -> np.ndarray:
        """The one-hot part of some rows (technology fields, district), weighted."""
        c = self.corpus
        fields = ((c.fields[rows, None] >> np.arange(len(FIELDS))) & 1).astype(np.float32)
        district = np.zeros((len(fields), len(DISTRICTS)), dtype=np.float32)
        inside = np.flatnonzero(c.district[rows] >= 0)
        district[inside, c.district[rows][inside]] = 1
        return np.sqrt(self.params.prefilter_structure_weight / self.scale) * np.hstack([fields, district])

    def _side(self, vectors, lexicals, corpus, spare: bool, lexical_weight, step: int = 16384) -> np.ndarray:
        """X (from the request side: what a row looks for) or Y (from the offer side: what it
        offers) of the whole corpus, X_i . Y_j = need of i met by j, in float32 (half the memory
        and twice the speed of double precision). With ``spare`` the vectors are the first columns
        of a buffer of the matrix's width (``corpus.assemble``), which becomes the matrix;
        otherwise a new one is filled. A slice of rows at a time, so that no copy of the whole
        corpus arises on the way (at 200,000 organisations one is 400 MB)."""
        n = corpus.n
        width = prefilter_width(self.dims, self.text_width - self.dims)
        base = vectors.base
        address = vectors.__array_interface__["data"][0]
        if spare and base is not None and base.shape == (n, width) and address == base.__array_interface__["data"][0]:
            out, copy = base, False
        else:
            out, copy = np.empty((n, width), dtype=np.float32), True
        for start in range(0, n, step):
            self._fill(out, slice(start, min(start + step, n)), vectors, lexicals, lexical_weight, vectors_too=copy)
        return out

    def _fill(self, out: np.ndarray, rows, vectors, lexicals, lexical_weight, *, vectors_too: bool = True) -> None:
        """Write the rows of X or Y: the vectors (unless they are there already), the lexical
        vectors times their weight (``lexical_weights``) and the structure part."""
        d, t = self.dims, self.text_width
        if vectors_too:
            out[rows, :d] = vectors[rows]
        out[rows, d:t] = lexicals[rows] * lexical_weight  # (``rows`` may be an index array: no out= view)
        out[rows, t:] = self._structure(rows)

    def _text_rows(self, rows=slice(None)) -> None:
        """Which rows have a text on the request side (needs) and on the offer side (offers): a
        product of two blocks of which one has no text is their structure part alone."""
        c = self.corpus
        if isinstance(rows, slice):  # all of them
            self.needs = c.request.any(axis=1) | c.lex_request.any(axis=1)
            self.offers = c.offer.any(axis=1) | c.lex_offer.any(axis=1)
        else:
            self.needs[rows] = c.request[rows].any(axis=1) | c.lex_request[rows].any(axis=1)
            self.offers[rows] = c.offer[rows].any(axis=1) | c.lex_offer[rows].any(axis=1)

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
        c = self.corpus
        sides = ((self.X, c.request, c.lex_request), (self.Y, c.offer, c.lex_offer))
        for (out, vectors, lexicals), weight in zip(sides, self.lexical_weights, strict=True):
            self._fill(out, rows, vectors, lexicals, weight)
        self._text_rows(rows)
        if self.params.weights:
            self.hubness[rows] = learned.hubness_of(self.corpus, rows, self.hub_sample)
        if (self.corpus.eligible[rows] != eligible_before).any():
            self._columns()
        elif self.Xc is not self.X:
            at = self.column_of[rows]
            inside = at >= 0
            self.Xc[at[inside]] = self.X[rows[inside]]
            self.Yc[at[inside]] = self.Y[rows[inside]]

    # --- raw text similarity ----------------------------------------------------------------
    def structure_part(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """The one-hot part of the pre-filter product for pairs (i, j)."""
        c = self.corpus
        shared = np.bitwise_count(c.fields[i] & c.fields[j]).astype(np.float32)
        district = ((c.district[i] == c.district[j]) & (c.district[i] >= 0)).astype(np.float32)
        return self.params.prefilter_structure_weight * (shared + district)

    def text_raw(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Raw combined text similarity of i's needs and j's offers, for pairs given by index."""
        return self.scale * np.einsum("md,md->m", self.X[i], self.Y[j]) - self.structure_part(i, j)

    def calibrate(self, samples: int = 20000) -> tuple[float, float]:
        """Where unrelated pairs lie (a quantile of a sample of pairs that have texts on both
        sides) and where the best ones lie; text similarities are mapped linearly from there."""
        c = self.corpus
        needs = np.flatnonzero(c.request.any(axis=1))
        offers = np.flatnonzero(c.offer.any(axis=1))
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

    # --- candidates ----------------------------------------------------------------------------
    def thresholds(self, rows: np.ndarray, sample_size: int = 2048) -> np.ndarray:
        """Per row, the pre-filter score above which about ``candidates`` columns lie, estimated on
        a sample of columns (so that no whole row has to be sorted), in the units of the raw
        similarities. -inf keeps every column. A sample of 2,048 rather than 1,024 columns leaves
        fewer rows with too few candidates (those are taken again against all columns when ranked)
        and fewer candidates on average to rank: at 50,000 organisations ranking saves about three
        times what the larger sample costs here. The estimate is at least the ``RANK_MIN``-th
        largest value of the sample (from about 100,000 organisations on, more candidates than
        ``candidates``): at 200,000 the third largest left 2.3 % of the rows with fewer than the
        re-ranking's pool, the fourth 0.3 % (bench/README.md)."""
        p = self.params
        m = len(self.columns)
        rows = np.asarray(rows, dtype=np.int64)
        if m <= 2 * p.candidates:
            return np.full(len(rows), -np.inf, dtype=np.float32)
        sample = np.sort(self.rng.choice(m, size=min(m, sample_size), replace=False))
        rank = max(RANK_MIN, int(np.ceil(p.candidates * len(sample) / m)))
        out = np.empty(len(rows), dtype=np.float32)
        offers, needs = self.Yc[sample], self.Xc[sample]
        needs_end = int(np.searchsorted(sample, self._needs_end()))  # the sample's columns with a request
        for start in range(0, len(rows), 4096):
            part = rows[start : start + 4096]
            forward = self._against(self.X[part], offers, len(sample))
            backward = self._against(self.Y[part], needs, needs_end)
            best = np.maximum(forward, backward)
            own = np.flatnonzero(np.isin(self.columns[sample], part))
            if len(own):  # an organisation in its own sample must not lift its threshold
                hit = self.columns[sample][own]
                where = np.searchsorted(part, hit) if np.all(part[:-1] <= part[1:]) else _positions(part, hit)
                best[where, own] = -np.inf
            # The rank-th largest: the smallest of the rank largest, found among the best groups.
            kth = np.take_along_axis(best, top_k_grouped(best, rank, 32), axis=1).min(axis=1)
            if self.lifts:
                kth = self._lifted_kth(part, self.columns[sample], forward, backward, best, kth, rank)
            out[start : start + len(part)] = kth
        # A millionth lower, so that the column at the estimate itself stays a candidate however its
        # product is summed (products of other shapes, or of the structure part alone, can differ
        # from this one in the last bit).
        return out * np.float32(self.scale) - np.float32(1e-6)

    # --- the language gap -------------------------------------------------------------------
    @property
    def lifts(self) -> bool:
        """Whether the score corrects for the language gap (see the module's docstring)."""
        return self.params.cross_language_scale < 1

    def _floor(self, thresholds: np.ndarray, rows, against=None) -> np.ndarray:
        """The value from which a pair of one of ``rows`` and one of the columns ``against`` (all
        when None) may reach the row's threshold once corrected (in the thresholds' units).
        Corrected, the text part is divided by at most the pair's largest divisor and the structure
        part stays: a pair's value grows by at most that divisor when positive, and not at all when
        negative. The divisor is largest where the two texts most likely differ in language: for the
        row's need (forward) against the columns' offers, for the row's offer (backward) against
        their needs; a side without a text has none."""
        if not self.lifts:
            return thresholds
        c = self.corpus
        forward = _widest_apart(c.request_german[rows], c.offer_german, self.offers, against)
        backward = _widest_apart(c.offer_german[rows], c.request_german, self.needs, against)
        apart = np.maximum(np.where(self.needs[rows], forward, 0), np.where(self.offers[rows], backward, 0))
        factor = (1 - (1 - self.params.cross_language_scale) * apart).astype(np.float32)
        return np.where(thresholds > 0, thresholds * factor, thresholds)

    def candidate_value(self, i: np.ndarray, j: np.ndarray, forward: np.ndarray, backward: np.ndarray) -> np.ndarray:
        """The value the candidates are chosen by, of pairs (i, j) from their raw products (structure
        included): the better direction, the text part of both corrected as the score corrects it."""
        c, p = self.corpus, self.params
        structure = self.structure_part(i, j)
        corrected = np.maximum(
            scoring.across_languages(c, p, i, j, forward - structure),
            scoring.across_languages(c, p, j, i, backward - structure),
        )
        return corrected + structure

    def _reaching(self, i, j, forward, backward, thresholds):
        """Of candidate pairs above the floor, those whose corrected value reaches i's threshold:
        (rows, columns, forward raw, backward raw)."""
        if self.lifts:
            keep = self.candidate_value(i, j, forward, backward) >= thresholds[i]
            i, j, forward, backward = i[keep], j[keep], forward[keep], backward[keep]
        return i, j, forward, backward

    def _lifted_kth(self, rows, columns, forward, backward, best, kth, rank: int) -> np.ndarray:
        """The rank-th largest corrected value of each row in a sample of columns (product units),
        from the pairs above the floor of its rank-th largest uncorrected value: no other pair can
        reach that once corrected."""
        s = np.float32(self.scale)
        # Above the lowest finite value at least, so that the own column (-inf) stays out.
        floor = np.maximum(self._floor(kth, rows), np.finfo(np.float32).min)
        r, col = _nonzero(best >= floor[:, None])
        values = self.candidate_value(rows[r], columns[col], s * forward[r, col], s * backward[r, col]) / s
        # Each row's values side by side (r is sorted), -inf after its last, and the rank-th largest.
        counts = np.bincount(r, minlength=len(rows))
        starts = np.cumsum(counts) - counts
        dense = np.full((len(rows), max(rank, int(counts.max(initial=0)))), -np.inf, dtype=np.float32)
        dense[r, np.arange(len(r)) - starts[r]] = values
        out = kth.copy()
        have = counts >= rank
        out[have] = -np.partition(-dense[have], rank - 1, axis=1)[:, rank - 1]
        return out

    def _product(self, left, right, a: slice, b: slice, left_text, right_text) -> np.ndarray:
        """``left[a] @ right[b].T``, or only its structure columns (19 of about 600) when one of
        the blocks has no text on its side, so that its text columns would give zero. Organisations
        without a request come last in a corpus from the database (``corpus.needs_first``): their
        blocks cost next to nothing in one of the two products."""
        if left_text[a].any() and right_text[b].any():
            return left[a] @ right[b].T
        t = self.text_width
        return left[a, t:] @ right[b, t:].T

    def block_pair_candidates(self, a: slice, b: slice, thresholds: np.ndarray):
        """Candidates between the organisation blocks ``a`` and ``b`` (corpus row slices, a before
        b or equal), in both directions, from one pair of matrix products: the score of a pair is
        symmetric, so the block (a, b) serves the rows of a and, transposed, the rows of b. Rows
        without a list must have a threshold of +inf. Returns (rows, columns, forward raw,
        backward raw) with the structure part still included."""
        c = self.corpus
        forward = self._product(self.X, self.Y, a, b, self.needs, self.offers)  # b offers what a needs
        backward = self._product(self.Y, self.X, a, b, self.offers, self.needs)  # a offers what b needs
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
        # The thresholds are raw similarities, the products raw / scale.
        s = np.float32(self.scale)
        floor_a, floor_b = self._floor(thresholds[a], a, b) / s, self._floor(thresholds[b], b, a) / s
        r1, c1 = _nonzero(best_for_a >= floor_a[:, None])
        found = self._reaching(ia[r1], ib[c1], s * forward[r1, c1], s * backward[r1, c1], thresholds)
        if a == b:
            return found
        if hidden_a.any():
            best = best.copy()
            best[hidden_a, :] = -np.inf
        r2, c2 = _nonzero(best >= floor_b[None, :])
        back = self._reaching(ib[c2], ia[r2], s * backward[r2, c2], s * forward[r2, c2], thresholds)
        return tuple(np.concatenate([x, y]) for x, y in zip(found, back, strict=True))

    def prefilter(self, rows: np.ndarray, cells: int = INCREMENTAL_CELLS):
        """Candidates of a few rows against all columns (the incremental path): (rows, columns,
        forward raw, backward raw), the structure part included. So many rows at a time that each
        of the three row-by-column matrices has at most ``cells`` values (32 MB)."""
        rows = np.asarray(rows, dtype=np.int64)
        step = max(1, cells // max(1, len(self.columns)))
        if len(rows) <= step:
            return self._prefilter(rows)
        parts = [self._prefilter(rows[s : s + step]) for s in range(0, len(rows), step)]
        return tuple(np.concatenate(x) for x in zip(*parts, strict=True))

    def products(self, left_x: np.ndarray, left_y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``left_x @ Yc.T`` and ``left_y @ Xc.T``: rows of X against every column's offers and rows
        of Y against every column's needs. Of a left row without a text on its side, and of the
        columns after the last one with a request (``needs_first`` puts them at the end), only the
        structure part is multiplied: their text part is zero."""
        return self._against(left_x, self.Yc, len(self.columns)), self._against(left_y, self.Xc, self._needs_end())

    def _needs_end(self) -> int:
        """The position after the last column with a request: the columns from there on have none."""
        needs = np.flatnonzero(self.needs[self.columns])
        return int(needs[-1]) + 1 if len(needs) else 0

    def _against(self, left: np.ndarray, right: np.ndarray, text_end: int) -> np.ndarray:
        """``left @ right.T``, with text columns only where both sides may have a text: in the left
        rows that have one and in the right rows before ``text_end``."""
        t = self.text_width
        out = np.empty((len(left), len(right)), dtype=np.float32)
        text = left[:, :t].any(axis=1)
        if text.all():
            np.matmul(left, right[:text_end].T, out=out[:, :text_end])
        else:
            out[text, :text_end] = left[text] @ right[:text_end].T
            out[~text, :text_end] = left[~text, t:] @ right[:text_end, t:].T
        np.matmul(left[:, t:], right[text_end:, t:].T, out=out[:, text_end:])
        return out

    def _prefilter(self, rows: np.ndarray, products=None):
        """Candidates of ``rows`` against all columns, from their ``products`` if given."""
        p = self.params
        forward, backward = self.products(self.X[rows], self.Y[rows]) if products is None else products
        best = np.maximum(forward, backward)
        own = self.column_of[rows]
        mine = np.flatnonzero(own >= 0)
        best[mine, own[mine]] = -np.inf
        s = np.float32(self.scale)
        threshold = self.thresholds(rows)
        selected = best >= self._floor(threshold, rows)[:, None] / s
        if self.lifts:  # of the pairs above the floor, those whose corrected value reaches the threshold
            r, col = _nonzero(selected)
            lifted = self.candidate_value(rows[r], self.columns[col], s * forward[r, col], s * backward[r, col])
            below = lifted < threshold[r]
            selected[r[below], col[below]] = False
        short = np.flatnonzero(selected.sum(axis=1) < min(p.rerank_pool * p.k, best.shape[1]))
        if len(short):  # the estimate was too high for these rows: take their best pool exactly
            pool = min(best.shape[1], p.rerank_pool * p.k * 2)
            for at in short.tolist():
                values = best[at]
                if self.lifts:
                    row = np.full(len(self.columns), rows[at], dtype=np.int64)
                    lifted = self.candidate_value(row, self.columns, s * forward[at], s * backward[at])
                    values = np.where(np.isfinite(values), lifted, -np.inf)
                selected[at, np.argpartition(values, -pool)[-pool:]] = True
            selected &= np.isfinite(best)
        r, col = _nonzero(selected)
        return rows[r], self.columns[col], s * forward[r, col], s * backward[r, col]

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


def _widest_apart(shares: np.ndarray, other: np.ndarray, has_text: np.ndarray, against) -> np.ndarray:
    """For texts whose German shares are ``shares``: the largest chance that one differs in language
    from a text of the columns ``against`` (every column when None) that has one, whose shares are
    ``other``. The chance is linear in the other's share, so the extremes of the columns' shares
    give it: 1 for a text in one language against all columns, 0 against columns of its own."""
    if against is None:
        low, high = 0.0, 1.0
    else:
        present = other[against][has_text[against]]
        if not len(present):
            return np.zeros_like(shares)
        low, high = float(present.min()), float(present.max())
    return np.maximum(shares * (1 - low) + (1 - shares) * low, shares * (1 - high) + (1 - shares) * high)


def _nonzero(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """np.nonzero of a 2-d mask, ten times faster: numpy's 2-d nonzero walks element by element."""
    flat = np.flatnonzero(mask)
    return np.divmod(flat, mask.shape[1])


def _positions(rows: np.ndarray, i: np.ndarray) -> np.ndarray:
    lookup = {value: n for n, value in enumerate(rows.tolist())}
    return np.asarray([lookup[v] for v in i.tolist()], dtype=np.int64)
