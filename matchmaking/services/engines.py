"""The engines of generations, built once per worker process from a generation's snapshot. Two are
kept: the active generation's (incremental updates bring it up to date in place) and the one being
built (its chunks)."""

from __future__ import annotations

import numpy as np
from django.conf import settings

from matchmaking import corpus_loading
from matchmaking.engine.engine import Engine
from matchmaking.engine.params import Params
from matchmaking.models.generations import MatchGeneration

# snapshot -> (engine, thresholds, block size)
cache: dict[str, tuple[Engine, np.ndarray, int]] = {}
# snapshot -> the moment up to which changes are in its cached engine (incremental updates)
applied: dict[str, object] = {}


def matching_params() -> Params:
    return Params.from_mapping(settings.MATCHING)


def generation_engine(generation: MatchGeneration) -> tuple[Engine, np.ndarray, int]:
    """The generation's engine, thresholds and block size, loaded from its snapshot the first time."""
    if generation.snapshot not in cache:
        _make_room()  # before loading: at 200,000 organisations two engines and a third do not fit
        snapshot = corpus_loading.load_snapshot(generation.snapshot)
        engine = Engine(snapshot["corpus"], snapshot["params"])
        cache[generation.snapshot] = (engine, snapshot["thresholds"], snapshot["block_size"])
    return cache[generation.snapshot]


def keep(snapshot: str, engine: Engine, thresholds: np.ndarray, block_size: int) -> None:
    """Keep the engine of a snapshot: the preparation keeps the one it built and stored, so that the
    process that prepared a recompute computes its first chunk without loading the snapshot."""
    if snapshot not in cache:
        _make_room()
    cache[snapshot] = (engine, thresholds, block_size)


def _make_room() -> None:
    while len(cache) >= 2:
        oldest = next(iter(cache))
        del cache[oldest]
        applied.pop(oldest, None)


def forget() -> None:
    """Drop every cached engine (tests, and a worker that must reload after a change of model)."""
    cache.clear()
    applied.clear()
