"""The meaning part of the directory's search (companies/search.py, through the setting
SEARCH_SEMANTIC_RANKER): the profiles and organisations whose sentence embeddings lie nearest to a
query's, so that "Kühlkette für Laborproben" finds "cold-chain transport of clinical samples".

The vectors are those the matchmaking stored (TextEmbedding, keyed by a hash of the text): a
profile's is the mean of its texts' vectors, as the engine combines them, an organisation's that of
its descriptions. Rows whose texts were never embedded (a generation or an incremental update embeds
the published profiles of verified organisations) take no part. Each process keeps the vectors in
one matrix and brings it up to date incrementally: rows changed since it last looked (``updated``,
indexed) are read again, and rows still waiting for a vector are looked up again when new
embeddings were stored. A query costs one embedding (cached per process) and one matrix-vector
product: at 50,000 profiles a few milliseconds."""

from __future__ import annotations

import functools
import threading
import time

import numpy as np
from django.conf import settings
from django.db.models import Max

from companies.models.organisations import Organisation
from companies.models.profiles import PartneringProfile
from matchmaking import embedding
from matchmaking.corpus_loading import profile_embedding_texts
from matchmaking.engine.records import combine
from matchmaking.models.generations import TextEmbedding

# Cosine from which a row counts as near a query. A short query and the text of an unrelated
# profile lie around -0.1 to 0.15 in this model; a German query and an English profile on the same
# matter ("Kühlkette für Laborproben" ↔ a cold-chain profile with its summary) around 0.3.
MIN_SIMILARITY = 0.25
_CHUNK = 2000


def _profile_texts(row: PartneringProfile) -> list[str]:
    return profile_embedding_texts(row)


def _organisation_texts(row: Organisation) -> list[str]:
    return [t for t in (row.description_de, row.description_en) if t]


SOURCES = {
    "profile": (PartneringProfile, _profile_texts, ("title", "summary", "partner_sought", "keywords")),
    "organisation": (Organisation, _organisation_texts, ("description",)),
}


class VectorIndex:
    """The vectors of one kind of row, kept current by ``refresh``."""

    def __init__(self, kind: str) -> None:
        self.model, self.texts_of, prefixes = SOURCES[kind]
        self.fields = [f"{p}_{lang}" for p in prefixes for lang in ("de", "en")]
        self.vectors: dict[int, np.ndarray] = {}
        self.waiting: dict[int, list[str]] = {}  # row -> hashes of its texts, while one has no vector
        self.seen_until = None  # the latest ``updated`` read
        self.seen_at_edge: set[int] = set()  # the rows read with that ``updated``
        self.embeddings_until = 0  # the highest TextEmbedding id when the waiting rows were looked up
        self.checked_at = 0.0
        self.ids = np.zeros(0, dtype=np.int64)
        self.matrix = np.zeros((0, embedding.DIM), dtype=np.float32)
        self.lock = threading.Lock()

    def refresh(self) -> None:
        changed = self.model.objects.only("updated", *self.fields).order_by()
        if self.seen_until is not None:
            # >=: a row saved in the same microsecond as the last one read is not missed; the rows
            # read at that moment already are skipped.
            changed = changed.filter(updated__gte=self.seen_until)
        rows = [row for row in changed if not (row.updated == self.seen_until and row.pk in self.seen_at_edge)]
        for row in rows:
            self.vectors.pop(row.pk, None)
            self.waiting[row.pk] = [embedding.text_hash(t) for t in self.texts_of(row)]
        if rows:
            latest_change = max(row.updated for row in rows)
            if latest_change != self.seen_until:
                self.seen_at_edge = set()
            self.seen_until = latest_change
            self.seen_at_edge |= {row.pk for row in rows if row.updated == latest_change}
        latest = TextEmbedding.objects.aggregate(latest=Max("id"))["latest"] or 0
        dirty = bool(rows)
        if self.waiting and (rows or latest > self.embeddings_until):
            self._resolve_waiting()
            dirty = True
        self.embeddings_until = latest
        if dirty:
            self.ids = np.fromiter(self.vectors, dtype=np.int64, count=len(self.vectors))
            self.matrix = (
                np.stack([self.vectors[pk] for pk in self.ids.tolist()])
                if self.vectors
                else np.zeros((0, embedding.DIM), dtype=np.float32)
            )

    def _resolve_waiting(self) -> None:
        wanted = sorted({h for hashes in self.waiting.values() for h in hashes})
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(wanted), _CHUNK):
            rows = TextEmbedding.objects.filter(
                model=embedding.MODEL_NAME, text_hash__in=wanted[start : start + _CHUNK]
            )
            for text_hash, vector in rows.values_list("text_hash", "vector"):
                found[text_hash] = np.frombuffer(bytes(vector), dtype=np.float32)
        for pk, hashes in list(self.waiting.items()):
            if not hashes:
                del self.waiting[pk]  # nothing to embed: never takes part
            elif all(h in found for h in hashes):
                vector = combine([found[h] for h in hashes])
                if vector is not None:
                    self.vectors[pk] = vector
                del self.waiting[pk]

    def current(self) -> VectorIndex:
        with self.lock:
            now = time.monotonic()
            if not self.checked_at or now - self.checked_at >= settings.SEARCH_VECTORS_REFRESH_SECONDS:
                self.refresh()
                self.checked_at = now
        return self

    def nearest(self, vector: np.ndarray, limit: int) -> list[int]:
        ids, matrix = self.ids, self.matrix  # one consistent pair, even while another thread refreshes
        if not len(ids):
            return []
        scores = matrix @ vector
        near = np.flatnonzero(scores >= MIN_SIMILARITY)
        if len(near) > limit:
            near = near[np.argpartition(-scores[near], limit - 1)[:limit]]
        near = near[np.argsort(-scores[near], kind="stable")]
        return ids[near].tolist()


_indexes = {kind: VectorIndex(kind) for kind in SOURCES}


@functools.lru_cache(maxsize=512)
def query_vector(text: str) -> np.ndarray:
    """The query's vector; the same query typed again (the next page) is not embedded again."""
    return embedding.embed([text])[0]


def nearest(kind: str, text: str, *, limit: int) -> list[int]:
    """The ids of the rows of ``kind`` ("profile" or "organisation") whose vectors lie nearest to
    the text's, best first, at most ``limit``, none below MIN_SIMILARITY."""
    index = _indexes[kind].current()
    if not len(index.ids):
        return []
    return index.nearest(query_vector(text.strip()), limit)


def forget() -> None:
    """Drop the kept vectors (tests)."""
    for kind in SOURCES:
        _indexes[kind] = VectorIndex(kind)
