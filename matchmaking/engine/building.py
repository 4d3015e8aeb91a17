"""Building a corpus (``matchmaking.engine.corpus``) from records: all at once (``build``), or a
batch at a time into its final arrays (``Builder``, the corpus from the database), with the lexical
model fitted on a sample of the organisations' texts. No Django here."""

from __future__ import annotations

import numpy as np

from matchmaking.engine.arrays import permute_rows, widen
from matchmaking.engine.corpus import PADDED, PROFILE_DTYPE, ROW_FIELDS, Corpus, assemble, prefilter_width
from matchmaking.engine.lexical import LexicalModel
from matchmaking.engine.records import OrgRecord


def request_last_key(record: OrgRecord) -> tuple:
    """The order of ``needs_first``: records with a request (a vector or a text) first, and within
    each part the English texts before the German ones."""
    return (
        record.request_vector is None and not record.request_text.strip(),
        record.request_german,
        record.offer_german,
    )


def needs_first(records: list[OrgRecord]) -> list[OrgRecord]:
    """The records with a request (a vector or a text) first, the others after them, and within
    each the English texts before the German ones, else in their order: the pre-filter's products
    skip the text columns of blocks without requests, and a block of one language against a block
    of the same one needs no language correction of its candidates (``Prefilter._floor``)."""
    return sorted(records, key=request_last_key)


# The lexical model is fitted on the texts of up to this many organisations (a random sample of a
# larger corpus): its n-gram matrix of 100,000 texts alone took 2.3 GB.
FIT_ORGANISATIONS = 5_000


def fit_sample(n: int, seed: int = 0) -> np.ndarray:
    """The rows of a corpus of ``n`` organisations whose texts the lexical model is fitted on, in
    their order: all of them, or ``FIT_ORGANISATIONS`` chosen at random."""
    if n <= FIT_ORGANISATIONS:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=FIT_ORGANISATIONS, replace=False))


def fit_lexical(records: list[OrgRecord], dims: int = 64) -> LexicalModel:
    """The lexical model fitted on the texts of ``records`` (the sample of ``fit_sample``)."""
    return LexicalModel(dims=dims).fit([r.offer_text for r in records] + [r.request_text for r in records])


def build(records: list[OrgRecord], *, dim: int, lexical_dims: int = 64) -> Corpus:
    """Arrays from records, in their order. Offer and request vectors must be given (the embedding
    happens before, with a cache); the lexical model is fitted here on the records' texts (``fit_sample``)."""
    builder = Builder(len(records), dim, fit_lexical([records[i] for i in fit_sample(len(records))], lexical_dims))
    builder.add(records)
    return builder.corpus()


# The arrays a Builder writes as the batches come (the others it keeps per batch until the end).
VECTORS = ("offer", "request", "lex_offer", "lex_request")


class Builder:
    """A corpus of ``n`` organisations built from records a batch at a time, so that the records of
    one batch are held at once, not all of them (a corpus from the database, 2,000 organisations at
    a time; ``build`` gives it all at once). The vectors are written into their final buffers as the
    batches come; ``corpus(ordered=True)`` then puts the rows in ``needs_first`` order in place."""

    def __init__(self, n: int, dim: int, lexical: LexicalModel):
        self.n, self.dim, self.lexical = n, dim, lexical
        width = prefilter_width(dim, lexical.width)
        # As wide as the pre-filter's matrices (``assemble``), filled row by row.
        self.offer = np.zeros((n, width), dtype=np.float32)[:, :dim]
        self.request = np.zeros((n, width), dtype=np.float32)[:, :dim]
        self.lex_offer = np.zeros((n, lexical.width), dtype=np.float32)
        self.lex_request = np.zeros((n, lexical.width), dtype=np.float32)
        self.filled = 0
        self.parts: list[Corpus] = []  # the batches' other arrays
        self.order_keys: list[tuple] = []

    def add(self, records: list[OrgRecord]) -> None:
        if self.filled + len(records) > self.n:
            raise ValueError(f"more than the {self.n} organisations this corpus was made for")
        k = len(records)
        both = self.lexical.transform([r.offer_text for r in records] + [r.request_text for r in records])
        part = assemble(records, self.dim, both[:k], both[k:])
        rows = slice(self.filled, self.filled + k)
        for name in VECTORS:
            getattr(self, name)[rows] = getattr(part, name)
            setattr(part, name, None)
        self.parts.append(part)
        self.order_keys.extend(request_last_key(r) for r in records)
        self.filled += k

    def corpus(self, *, ordered: bool = False) -> Corpus:
        """The corpus of the records added, in their order or (``ordered``) in ``needs_first``'s.
        The large arrays are never held twice: the vectors are reordered in place, and each batch's
        profile vectors are let go once copied."""
        parts, self.parts = self.parts, []
        if not parts:
            empty = np.zeros((0, self.lexical.width), dtype=np.float32)
            parts = [assemble([], self.dim, empty, empty)]
        merged = {name: getattr(self, name)[: self.filled] for name in VECTORS}
        self.offer = self.request = self.lex_offer = self.lex_request = None
        self.lexical.forget()
        if self.filled < self.n:  # fewer came than expected: buffers of the right size
            for name in ("offer", "request"):
                buffer = np.zeros((self.filled, merged[name].base.shape[1]), dtype=np.float32)[:, : self.dim]
                buffer[:] = merged[name]
                merged[name] = buffer
        profile_vectors = np.empty((sum(len(p.profile_vectors) for p in parts), self.dim), dtype=PROFILE_DTYPE)
        offset = 0
        for part in parts:
            for name in ("offer_profiles", "request_profiles"):
                values = getattr(part, name)
                setattr(part, name, np.where(values >= 0, values + offset, -1))
            profile_vectors[offset : offset + len(part.profile_vectors)] = part.profile_vectors
            offset += len(part.profile_vectors)
            part.profile_vectors = None
        widths = {name: max(getattr(p, name).shape[1] for p in parts) for name in PADDED}
        for name in ROW_FIELDS:
            if name in PADDED:
                merged[name] = np.concatenate([widen(getattr(p, name), widths[name], PADDED[name]) for p in parts])
            elif name not in VECTORS:
                merged[name] = np.concatenate([getattr(p, name) for p in parts])
        if ordered and self.filled:
            order = np.asarray(sorted(range(self.filled), key=self.order_keys.__getitem__), dtype=np.int64)
            permute_rows([merged[name] for name in VECTORS], order)
            for name in ROW_FIELDS:
                if name not in VECTORS:
                    merged[name] = merged[name][order]
        corpus = Corpus(
            **merged, profile_vectors=profile_vectors, profile_ids=np.concatenate([p.profile_ids for p in parts])
        )
        corpus.lexical = self.lexical
        corpus.spare_columns = True
        return corpus
