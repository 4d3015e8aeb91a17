"""Organisations made by hand for the engine's tests: unit vectors of a few dimensions and records
with one offer and/or one request profile. No database, no embedding model."""

import numpy as np

from matchmaking.engine.records import OrgRecord, ProfileRecord

DIM = 8


def unit(*weights) -> np.ndarray:
    v = np.zeros(DIM, dtype=np.float32)
    v[: len(weights)] = weights
    return v / np.linalg.norm(v)


def org(id, *, offers=None, needs=None, need_type="technology_request", **kwargs) -> OrgRecord:
    profiles = []
    if offers is not None:
        profiles.append(ProfileRecord(id=f"{id}-offer", type="technology_offer", vector=offers))
    if needs is not None:
        profiles.append(ProfileRecord(id=f"{id}-need", type=need_type, vector=needs))
    kwargs.setdefault("kind", "company")
    return OrgRecord(id=id, offer_vector=offers, request_vector=needs, profiles=profiles, **kwargs)


def first_partner(records, params, path: str, of: str = "need") -> str:
    """The first partner in the list of ``of``, computed by ``path``: "one organisation" (the
    incremental path) or "the full run in blocks" (blocks of four). The text calibration is the
    identity, so that the raw similarities are the scores' text signals."""
    from matchmaking.engine.building import build
    from matchmaking.engine.engine import Engine

    corpus = build(records, dim=DIM)
    corpus.calibration = (0.0, 1.0)
    eng = Engine(corpus, params)
    row = corpus.index_of(of)
    if path == "one organisation":
        result = eng.compute(np.asarray([row]))
    else:
        result = eng.compute_all(block=4)
        result = result.take(result.rows == row)
    return corpus.ids[result.partners[np.argmin(result.ranks)]]
