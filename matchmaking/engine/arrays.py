"""Helpers on the corpus's arrays: keys of values (countries, NACE codes, clusters, corporate
groups), the padded arrays that hold several keys per organisation, and unit rows. No Django here."""

from __future__ import annotations

import hashlib

import numpy as np


def key(value) -> int:
    """A 63-bit key of a value (country, NACE code, cluster, corporate group), never 0 (0 pads the
    key arrays), the same in every process. Two different values share a key with a probability of
    2**-63: as good as exact, and no vocabulary to keep between a corpus and its updates."""
    digest = hashlib.blake2b(str(value).strip().lower().encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1 or 1


def padded(rows: list, *, fill: int = 0, dtype=np.int64, width: int = 0) -> np.ndarray:
    """A (len(rows), width) array of the rows' values, padded with ``fill`` (width at least 1)."""
    width = max(width, 1, *(len(r) for r in rows)) if rows else max(width, 1)
    out = np.full((len(rows), width), fill, dtype=dtype)
    for i, values in enumerate(rows):
        out[i, : len(values)] = list(values)
    return out


def widen(matrix: np.ndarray, width: int, fill: int) -> np.ndarray:
    """The matrix with more padding columns, if it is narrower than ``width``."""
    if matrix.shape[1] >= width:
        return matrix
    extra = np.full((matrix.shape[0], width - matrix.shape[1]), fill, dtype=matrix.dtype)
    return np.hstack([matrix, extra])


def share(a: np.ndarray, b: np.ndarray, fill: int = 0) -> np.ndarray:
    """Per pair, whether the rows of two padded key arrays (m, A) and (m, B) have a key in common."""
    if a.ndim == 1:
        a = a[:, None]
    if b.ndim == 1:
        b = b[:, None]
    return ((a[:, :, None] == b[:, None, :]) & (a[:, :, None] != fill)).any(axis=(1, 2))


def group_key(name: str) -> int:
    """The key of a corporate group's name (0 for none)."""
    return key(name) if name and name.strip() else 0


def unit_rows(matrix: np.ndarray, *, copy: bool = True) -> np.ndarray:
    """The rows scaled to length 1 (zero rows stay zero), as float32; without ``copy`` a float32
    matrix is scaled in place (no temporary of its size: at 200,000 organisations one is 400 MB)."""
    matrix = np.array(matrix, dtype=np.float32, copy=copy or None)
    norms = np.sqrt(np.einsum("ij,ij->i", matrix, matrix, dtype=np.float64))
    inverse = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0).astype(np.float32)
    matrix *= inverse[:, None]
    return matrix


def permute_rows(matrices: list[np.ndarray], order: np.ndarray) -> None:
    """``m[:] = m[order]`` in place for every matrix of the same number of rows, a row at a time
    along the cycles of the permutation: no copy of a matrix (at 200,000 organisations one vector
    matrix is 400 MB)."""
    done = np.zeros(len(order), dtype=bool)
    for start in np.flatnonzero(order != np.arange(len(order))).tolist():
        if done[start]:
            continue
        kept = [m[start].copy() for m in matrices]
        row = start
        while True:
            done[row] = True
            source = int(order[row])
            if source == start:
                for m, values in zip(matrices, kept, strict=True):
                    m[row] = values
                break
            for m in matrices:
                m[row] = m[source]
            row = source


# Pairs per first row from which ``pair_dots`` is worth it: the pairs at least this many times the
# span of their first rows (a block's lists hold about 40 pairs per organisation).
ROW_GROUP = 8


def many_per_row(i: np.ndarray) -> bool:
    """Whether pairs with these first rows are many per row (see ``ROW_GROUP``)."""
    return bool(len(i)) and len(i) >= ROW_GROUP * (int(i.max()) - int(i.min()) + 1)


def pair_dots(i: np.ndarray, j: np.ndarray, matrices: list, step: int = 64) -> list[np.ndarray]:
    """For pairs (i, j) and pairs of matrices (A, B): each pair's product A[i] . B[j], per first row i
    (its partners' rows of B gathered into a table, ``step`` rows i at a time, as wide as the most
    partners among them and padded with i itself, and multiplied with A[i]: a stack of
    matrix-vector products, as the incremental update takes them; at most ``step`` times the most
    partners of one row vectors at once: at 40 partners each, 5 MB). Where the pairs are many per row
    (a block's lists) and the vectors wide (the embeddings), A[i] is not copied once per pair: at
    50,000 organisations a block's role signals took a fifth less time than gathering both rows pair
    by pair within a full reduce step, half as much alone; for the 64 lexical columns it was slower.
    (``np.take`` is no help: on the corpus's vectors, columns of a wider matrix, it is a thousand
    times slower than indexing.)"""
    out = [np.zeros(len(i), dtype=np.float32) for _ in matrices]
    if not len(i):
        return out
    order = np.argsort(i, kind="stable")
    ordered = i[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    ends = np.r_[starts[1:], len(order)]
    owners = ordered[starts]
    slot = np.arange(len(order)) - np.repeat(starts, ends - starts)  # each pair's place among its row's
    for first in range(0, len(owners), step):
        rows = owners[first : first + step]
        pairs = slice(int(starts[first]), int(ends[first + len(rows) - 1]))
        group = np.searchsorted(rows, ordered[pairs])
        table = np.repeat(rows[:, None], int((ends - starts)[first : first + step].max()), axis=1)
        table[group, slot[pairs]] = j[order[pairs]]
        for (left, right), values in zip(matrices, out, strict=True):
            products = np.matmul(right[table], left[rows][:, :, None])[:, :, 0]
            values[order[pairs]] = products[group, slot[pairs]]
    return out


TOP_K_GROUP = 64


def top_k_grouped(scores: np.ndarray, k: int, group: int = TOP_K_GROUP) -> np.ndarray:
    """The column indices of each row's k largest scores (unordered), exactly: the maximum of each
    group of ``group`` columns, the k groups with the largest maxima (each of the k largest scores
    lies in one of them, or in the columns after the last whole group, which always take part), and
    argpartition over those columns only. Nothing of ``scores`` is copied but the candidates."""
    rows, n = scores.shape
    if n <= k:
        return np.tile(np.arange(n), (rows, 1))
    whole = n - n % group
    grouped = scores[:, :whole].reshape(rows, -1, group)  # a view: each group is contiguous
    maxima = grouped.max(axis=2)
    groups = min(k, maxima.shape[1])
    best_groups = np.argpartition(maxima, -groups, axis=1)[:, -groups:]
    columns = (best_groups[:, :, None] * group + np.arange(group)).reshape(rows, -1)
    if whole < n:
        columns = np.concatenate([columns, np.broadcast_to(np.arange(whole, n), (rows, n - whole))], axis=1)
    candidates = np.take_along_axis(scores, columns, axis=1)
    best = np.argpartition(candidates, -k, axis=1)[:, -k:]
    return np.take_along_axis(columns, best, axis=1)
