"""Writing lists into a generation: one binary COPY of a numpy buffer on PostgreSQL, bulk_create
elsewhere, and fresh planner statistics after a full generation."""

from __future__ import annotations

import logging

import numpy as np
from django.db import connection

from matchmaking.engine import corpus as cm
from matchmaking.engine.engine import COMPONENTS, ChunkResult
from matchmaking.engine.reason_flags import PINNED
from matchmaking.models.matches import Match

logger = logging.getLogger(__name__)


# PostgreSQL's binary COPY format: a header, per row the number of fields and per field its length
# and its value in network byte order, and a trailer. Every column of a match is a fixed-width
# number, so a whole block of rows is one numpy structured array: no per-row Python at all.
_COPY_COLUMNS = [
    ("generation_id", ">i8"),
    ("organisation_id", ">i8"),
    ("partner_id", ">i8"),
    ("rank", ">i2"),
    ("score", ">f8"),
    *[(name, ">f8") for name in COMPONENTS],
    ("reason_flags", ">i4"),
    ("shared_fields", ">i4"),
    ("request_profile_ref", ">i8"),
    ("offer_profile_ref", ">i8"),
    ("pinned", "?"),
]


_COPY_ROW = np.dtype(
    [("fields", ">i2")] + [item for name, kind in _COPY_COLUMNS for item in ((f"{name}__len", ">i4"), (name, kind))]
)


_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, header extension length


_COPY_TRAILER = b"\xff\xff"


def organisation_ids(corpus: cm.Corpus, rows: np.ndarray) -> np.ndarray:
    """The ids of the organisations at corpus ``rows`` (taken first, then converted: the corpus keeps
    its keys as Python objects)."""
    return np.asarray(corpus.ids[rows], dtype=np.int64)


def profile_refs(corpus: cm.Corpus, rows: np.ndarray) -> np.ndarray:
    """The ids of the profiles at corpus profile ``rows`` as a match stores them: 0 for none (-1)."""
    if not len(corpus.profile_ids):
        return np.zeros(len(rows), dtype=np.int64)
    ids = np.asarray(corpus.profile_ids[np.maximum(rows, 0)], dtype=np.int64)
    return np.where(rows >= 0, ids, 0)


def write_matches(generation_id: int, result: ChunkResult, corpus: cm.Corpus) -> int:
    """Insert the lists of a result into a generation. PostgreSQL gets them by one binary COPY of
    a numpy buffer (a million rows of a 50,000-organisation run in seconds); other databases by
    bulk_create."""
    if not len(result):
        return 0
    values = {
        "generation_id": generation_id,
        "organisation_id": organisation_ids(corpus, result.rows),
        "partner_id": organisation_ids(corpus, result.partners),
        "rank": result.ranks,
        "score": np.clip(result.scores, 0.0, 1.0),
        **{name: result.components[name] for name in COMPONENTS},
        "reason_flags": result.reason_flags,
        "shared_fields": result.shared_fields,
        "request_profile_ref": profile_refs(corpus, result.request_profile),
        "offer_profile_ref": profile_refs(corpus, result.offer_profile),
        "pinned": (result.reason_flags & PINNED) != 0,
    }
    if connection.vendor == "postgresql":
        rows = np.empty(len(result), dtype=_COPY_ROW)
        rows["fields"] = len(_COPY_COLUMNS)
        for name, kind in _COPY_COLUMNS:
            rows[f"{name}__len"] = np.dtype(kind).itemsize
            rows[name] = values[name]
        columns = ", ".join(name for name, _ in _COPY_COLUMNS)
        sql = f"COPY {Match._meta.db_table} ({columns}) FROM STDIN (FORMAT BINARY)"
        # The driver's own cursor does the COPY; its errors are raised as Django's (IntegrityError…).
        with connection.cursor() as cursor, connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
            copy.write(_COPY_HEADER + rows.tobytes() + _COPY_TRAILER)
    else:
        names = [name for name, _ in _COPY_COLUMNS]
        columns = [np.broadcast_to(values[name], len(result)).tolist() for name in names]
        Match.objects.bulk_create(
            [Match(**dict(zip(names, row, strict=True))) for row in zip(*columns, strict=True)], batch_size=2000
        )
    return len(result)


def analyse_matches() -> None:
    """Fresh planner statistics for the match table after a generation of a million rows was
    written (PostgreSQL), so that the first incremental updates use the list indexes at once
    instead of waiting for autovacuum."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Match._meta.db_table}")
