"""The chunks of ``bench_matching`` as the Celery workflow runs them: the snapshot stored, map
chunks, then reduce chunks, in worker processes that load the snapshot (or in this process)."""

import resource
import time
from dataclasses import dataclass

import numpy as np
from django.db import connections

from matchmaking import map_pieces
from matchmaking.engine import snapshots
from matchmaking.engine.engine import ChunkResult, Engine
from matchmaking.services.generations import _blocks, _map_rows
from matchmaking.services.writer import write_matches

# As the Celery workflow runs them: the task that prepares the generation stores the snapshot, and
# each worker process loads it once and builds its engine from it. In one process the chunks use this
# process's engine. A folder holds the snapshot and the map chunks' candidates (the Celery workflow
# keeps them in the default storage).
_local: dict = {}  # this process's engine and thresholds, when it runs the chunks itself
_loaded: dict = {}  # in a worker process: snapshot path -> (engine, thresholds)


def worker_pool(workers: int):
    """``workers`` forked processes (one BLAS thread each, their own database connection), started
    now; None for one worker (the chunks run in this process)."""
    if workers == 1:
        return None
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    connections.close_all()  # the children open their own; a shared socket would break
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"), initializer=one_thread)
    list(pool.map(int, range(workers)))  # forked at the first task
    return pool


def _engine(job: dict) -> tuple[Engine, np.ndarray]:
    if _local:
        return _local["engine"], _local["thresholds"]
    path = job["snapshot"]
    if path not in _loaded:
        _loaded.clear()
        with open(path, "rb") as handle:
            payload = snapshots.load(handle)
        _loaded[path] = (Engine(payload["corpus"], payload["params"], seed=job["seed"]), payload["thresholds"])
    return _loaded[path]


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _map(job: dict, index: int) -> tuple[float, float]:
    started = time.perf_counter()
    engine, thresholds = _engine(job)
    size = job["block"]
    blocks = _blocks(engine.corpus.n, size)
    found = engine.map_candidates(_map_rows(index, len(blocks)), blocks, size, thresholds)
    with open(f"{job['folder']}/map-{index}.candidates", "wb") as handle:
        map_pieces.write(handle, found, len(blocks))
    return time.perf_counter() - started, _peak_rss_mb()


def _reduce(job: dict, index: int) -> tuple[float, float, int, ChunkResult | None, float]:
    """Rank one block's candidates and, with a generation, write its lists at once (as the Celery
    reduce chunk does): only the seconds, the number of pairs and the process's peak memory go
    back, never the lists."""
    import glob

    started = time.perf_counter()
    engine, _ = _engine(job)
    pieces = []
    for path in glob.glob(f"{job['folder']}/map-*.candidates"):
        with open(path, "rb") as handle:
            pieces.append(map_pieces.read(handle, index))
    rows, cols, fwd, bwd = (np.concatenate(x) for x in zip(*pieces, strict=True))
    block = _blocks(engine.corpus.n, job["block"])[index]
    result = engine.rank(np.arange(block.start, block.stop), rows, cols, fwd, bwd)
    rank_s = time.perf_counter() - started
    if job["generation_id"] is None:
        return rank_s, 0.0, len(result), result, _peak_rss_mb()
    started = time.perf_counter()
    write_matches(job["generation_id"], result, engine.corpus)
    return rank_s, time.perf_counter() - started, len(result), None, _peak_rss_mb()


def one_thread() -> None:
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)


@dataclass
class Chunks:
    snapshot_s: float
    worker_rss_mb: float  # the largest peak of the processes that ran chunks
    map_s: list[float]
    reduce_s: list[float]
    write_s: list[float]
    pairs: int
    results: list[ChunkResult]  # only without a generation to write to (--no-write)


def run_chunks(
    engine: Engine, thresholds: np.ndarray, blocks: list, pool, generation_id: int | None, seed: int
) -> Chunks:
    """Store the snapshot, then all map chunks, then all reduce chunks, in the ``pool``'s processes
    (or in this one). With ``generation_id`` each reduce chunk writes its lists and no process holds
    them all. A worker's first chunk includes loading the snapshot and building its engine."""
    import functools
    import tempfile

    maps = range((len(blocks) + 1) // 2)
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        job = {
            "snapshot": f"{folder}/corpus.snapshot",
            "folder": folder,
            "block": blocks[0].stop - blocks[0].start,
            "generation_id": generation_id,
            "seed": seed,
        }
        payload = {"corpus": engine.corpus, "thresholds": thresholds, "block_size": job["block"]}
        with open(job["snapshot"], "wb") as handle:
            snapshots.dump({**payload, "params": engine.params}, handle)
        snapshot_s = time.perf_counter() - started
        if pool is None:
            _local.update(engine=engine, thresholds=thresholds)
            try:
                mapped = [_map(job, i) for i in maps]
                reduced = [_reduce(job, d) for d in range(len(blocks))]
            finally:
                _local.clear()
        else:
            connections.close_all()
            mapped = list(pool.map(functools.partial(_map, job), maps))
            reduced = list(pool.map(functools.partial(_reduce, job), range(len(blocks))))
    return Chunks(
        snapshot_s=snapshot_s,
        worker_rss_mb=max(r[-1] for r in mapped + reduced),
        map_s=[r[0] for r in mapped],
        reduce_s=[r[0] for r in reduced],
        write_s=[r[1] for r in reduced],
        pairs=sum(r[2] for r in reduced),
        results=[r[3] for r in reduced if r[3] is not None],
    )
