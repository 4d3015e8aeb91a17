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
        profiles.append(ProfileRecord(id=f"{id}-offer", type="technology_offer", vector=offers, text=""))
    if needs is not None:
        profiles.append(ProfileRecord(id=f"{id}-need", type=need_type, vector=needs, text=""))
    kwargs.setdefault("kind", "company")
    return OrgRecord(id=id, offer_vector=offers, request_vector=needs, profiles=profiles, **kwargs)
