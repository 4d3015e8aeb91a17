"""The learned score of a pair: a logistic function of the signals below, with weights fitted on
labelled pairs (``matchmaking.engine.fitting``, ``manage.py match_fit``) and shipped in
``weights.json`` next to this module. No Django here.

Every signal is symmetric in the pair, so the score is too (the incremental update relies on it):

- ``text``: the harmonic mean of both directions of the calibrated text complementarity (an
  introduction works when both sides gain), ``text_best`` the stronger direction;
- ``embedding_best`` and ``lexical_best``: the stronger direction of each text signal alone (raw
  cosines), so that the fit decides how much the lexical signal may add;
- ``structure`` and ``fit``: technology structure and practical fit, gated by text as in the
  hand-set score;
- ``same_need``: how alike the two organisations' requests are when both ask for something and they
  do not both seek a partner of their own kind: two hospitals that need transport robots are
  customers of the same supplier, not partners;
- ``same_offer``: how alike their offers are (competitors);
- ``co_operation``: how alike their requests are when both seek a partner of their own kind (a
  consortium, joint research);
- ``hubness``: how close both organisations are to everybody (cross-domain similarity local scaling):
  a broad institute that resembles every text takes weak places in hundreds of lists unless its
  score pays for that.

The role signals (``same_need``, ``same_offer``, ``co_operation``) need a product of two
embeddings per pair; the ranking computes them for the best candidates only (``ROLE_FEATURES``)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np

from matchmaking.engine.arrays import many_per_row, pair_dots

FEATURES = (
    "text",
    "text_best",
    "embedding_best",
    "lexical_best",
    "structure",
    "fit",
    "same_need",
    "same_offer",
    "co_operation",
    "hubness",
)
ROLE_FEATURES = ("same_need", "same_offer", "co_operation")

WEIGHTS_FILE = Path(__file__).with_name("weights.json")

# Hubness: the mean of an organisation's best similarities to a sample of others, this share of
# the sample (at least one).
HUB_SAMPLE = 512
HUB_SHARE = 0.04

# The similarity of two organisations' R&D requests from which their co-operation is named as a reason.
_ROLE_REASON_MIN = 0.5


@cache
def shipped_weights() -> dict:
    """The weights fitted for the product (``manage.py match_fit --write``); {} if the file is missing,
    which means the hand-set score."""
    if not WEIGHTS_FILE.exists():
        return {}
    with WEIGHTS_FILE.open(encoding="utf-8") as handle:
        return json.load(handle)


def check(weights: dict) -> None:
    """A weights mapping names every feature and an intercept."""
    if not weights:
        return
    coefficients = weights.get("coefficients")
    if not isinstance(coefficients, dict) or set(coefficients) != set(FEATURES):
        raise ValueError(f"the weights must give a coefficient for each of {', '.join(FEATURES)}")
    if not isinstance(weights.get("intercept"), int | float):
        raise ValueError("the weights must give an intercept")


def logit(weights: dict, features: dict) -> np.ndarray:
    """The linear part of the score: intercept plus the weighted features."""
    coefficients = weights["coefficients"]
    z = np.full(len(features["text"]), weights["intercept"], dtype=np.float64)
    for name in FEATURES:
        z += coefficients[name] * features[name]
    return z


def probability(z: np.ndarray) -> np.ndarray:
    return (1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))).astype(np.float32)


def role_similarities(c, i: np.ndarray, j: np.ndarray, batch: int = 2048, *, dots=None) -> dict:
    """``same_need``, ``same_offer`` and ``co_operation`` of pairs (i, j): from ``dots``, the products
    of the two request vectors and of the two offer vectors of each pair if the caller has them; for
    pairs that all share one organisation (the incremental update and the fitting: one organisation
    against everybody) by two matrix-vector products; for a block's lists (many pairs per
    organisation) per organisation (``arrays.pair_dots``); otherwise pair by pair, in batches so
    that the gathered embeddings stay in the processor's cache (twice as fast as large batches)."""
    same_need = np.zeros(len(i), dtype=np.float32)
    same_offer = np.zeros(len(i), dtype=np.float32)
    if dots is not None:
        same_need[:], same_offer[:] = dots
    elif len(j) > 1 and (j == j[0]).all():
        same_need[:] = (c.request @ c.request[j[0]])[i]
        same_offer[:] = (c.offer @ c.offer[j[0]])[i]
    elif len(i) > 1 and (i == i[0]).all():  # one organisation's candidates (fitting)
        same_need[:] = (c.request @ c.request[i[0]])[j]
        same_offer[:] = (c.offer @ c.offer[i[0]])[j]
    elif many_per_row(i):
        same_need[:], same_offer[:] = pair_dots(i, j, [(c.request, c.request), (c.offer, c.offer)])
    else:
        for start in range(0, len(i), batch):
            a, b = i[start : start + batch], j[start : start + batch]
            same_need[start : start + batch] = np.einsum("md,md->m", c.request[a], c.request[b])
            same_offer[start : start + batch] = np.einsum("md,md->m", c.offer[a], c.offer[b])
    both_cooperate = c.cooperation[i] & c.cooperation[j]
    same_need = np.maximum(same_need, 0.0)
    return {
        "same_need": np.where(both_cooperate, 0.0, same_need).astype(np.float32),
        "same_offer": np.maximum(same_offer, 0.0),
        "co_operation": np.where(both_cooperate, same_need, 0.0).astype(np.float32),
    }


def role_reasons(roles: dict) -> dict:
    """Which pairs ask for the same thing while both seek partners of their kind: named as a reason."""
    return {"co_operation": roles["co_operation"] >= _ROLE_REASON_MIN}


def hubness(c, rng: np.random.Generator, sample: int = HUB_SAMPLE) -> tuple[np.ndarray, np.ndarray]:
    """Per organisation, the mean of its best embedding similarities (either direction) to a sample
    of organisations with texts, and that sample (so that a changed organisation can be measured
    against the same one). Organisations without any text have hubness 0."""
    texts = np.flatnonzero(c.offer.any(axis=1) | c.request.any(axis=1))
    if len(texts) < 2:
        return np.zeros(c.n, dtype=np.float32), texts
    chosen = np.sort(rng.choice(texts, size=min(sample, len(texts)), replace=False))
    return hubness_of(c, np.arange(c.n), chosen), chosen


def hubness_of(c, rows: np.ndarray, sample: np.ndarray, batch: int = 8192) -> np.ndarray:
    """The hubness of some rows against a given sample (see ``hubness``)."""
    out = np.zeros(len(rows), dtype=np.float32)
    if len(sample) < 2:
        return out
    top = max(1, round(HUB_SHARE * len(sample)))
    requests, offers = c.request[sample], c.offer[sample]
    for start in range(0, len(rows), batch):
        part = rows[start : start + batch]
        best = np.maximum(c.request[part] @ offers.T, c.offer[part] @ requests.T)
        best[part[:, None] == sample[None, :]] = -np.inf  # not against itself
        best = np.partition(best, -top, axis=1)[:, -top:]
        out[start : start + len(part)] = np.where(np.isfinite(best), best, 0.0).mean(axis=1)
    return out
