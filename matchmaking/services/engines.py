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
        while len(cache) >= 2:
            oldest = next(iter(cache))
            del cache[oldest]
            applied.pop(oldest, None)
        snapshot = corpus_loading.load_snapshot(generation.snapshot)
        engine = Engine(snapshot["corpus"], snapshot["params"])
        cache[generation.snapshot] = (engine, snapshot["thresholds"], snapshot["block_size"])
    return cache[generation.snapshot]


def forget() -> None:
    """Drop every cached engine (tests, and a worker that must reload after a change of model)."""
    cache.clear()
    applied.clear()
