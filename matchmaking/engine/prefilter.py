"""The pre-filter: the matrices X and Y of a corpus, whose products ``X @ Y.T`` and ``Y @ X.T``
carry every signal that can be had for all pairs (see ``matchmaking.engine.engine``), and the
candidates they give, per row against all columns or per pair of row blocks (the map step of a full
run). No Django here."""

from __future__ import annotations

import numpy as np

from matchmaking.engine import learned
from matchmaking.engine.corpus import Corpus
from matchmaking.engine.params import Params
from matchmaking.engine.vocabulary import FIELDS


class Prefilter:
    """Holds the pre-filter matrices of a corpus and finds the candidate pairs of any rows."""

    def __init__(self, corpus: Corpus, params: Params | None = None, *, seed: int = 0):
        self.corpus = corpus
        self.params = params or Params()
        self.rng = np.random.default_rng(seed)
        self.X, self.Y = self._features(np.arange(corpus.n))
        self._columns()
        if corpus.calibration is None:
            corpus.calibration = self.calibrate()
        # How close every organisation is to everybody, for the learned score's hub penalty (its own
        # random stream, so that the candidates' sample stays as it was).
        if self.params.weights:
            self.hubness, self.hub_sample = learned.hubness(corpus, np.random.default_rng(seed + 1))
        else:
            self.hubness, self.hub_sample = np.zeros(corpus.n, dtype=np.float32), np.zeros(0, dtype=np.int64)

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
        # float32 throughout: half the memory and twice the speed of the matrix products. Each part
        # is scaled straight into its columns (no copies of the whole corpus on the way: at 200,000
        # organisations those were gigabytes).
        d, lex = c.offer.shape[1], c.lex_offer.shape[1]
        out = []
        for vectors, lexicals in ((c.request, c.lex_request), (c.offer, c.lex_offer)):
            features = np.empty((len(rows), d + lex + structure.shape[1]), dtype=np.float32)
            # In double precision, rounded once into float32 (as the products always were).
            np.multiply(vectors[rows], text, out=features[:, :d], casting="same_kind")
            np.multiply(lexicals[rows], lexical, out=features[:, d : d + lex], casting="same_kind")
            features[:, d + lex :] = structure
            out.append(features)
        return out[0], out[1]

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

    # --- candidates ----------------------------------------------------------------------------
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


def _nonzero(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """np.nonzero of a 2-d mask, ten times faster: numpy's 2-d nonzero walks element by element."""
    flat = np.flatnonzero(mask)
    return np.divmod(flat, mask.shape[1])


def _positions(rows: np.ndarray, i: np.ndarray) -> np.ndarray:
    lookup = {value: n for n, value in enumerate(rows.tolist())}
    return np.asarray([lookup[v] for v in i.tolist()], dtype=np.int64)
