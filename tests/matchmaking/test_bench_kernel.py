"""The grouped top-k (arrays.top_k_grouped: the benchmark's baseline kernel, and the pre-filter's
thresholds) is exact: it finds each row's k largest scores, whatever the width (a multiple of its
group of 64 columns or not), and the baseline kernels' blocked products (written into one buffer)
are those of the whole product. The products of pairs taken per first row (arrays.pair_dots, a
block's role signals) are those of the pairs. The benchmark's worker processes, which load the
stored snapshot, compute the lists of the process that stored it."""

import numpy as np
import pytest

from matchmaking.engine.arrays import many_per_row, pair_dots, top_k_grouped
from matchmaking.management.commands.bench_matching import _products


@pytest.mark.parametrize(("rows", "columns", "k"), [(50, 1000, 20), (7, 64 * 5, 20), (30, 130, 64), (3, 15, 20)])
def test_the_grouped_top_k_finds_the_k_largest_scores_of_every_row(rows, columns, k):
    rng = np.random.default_rng(columns)
    scores = rng.standard_normal((rows, columns)).astype(np.float32)
    # A row whose best scores crowd into one group (the case the group maxima must not miss).
    scores[0, 64 : 64 + min(k, columns - 64 if columns > 64 else 0)] += 10

    found = top_k_grouped(scores.copy(), k)

    expected = np.sort(scores, axis=1)[:, -min(k, columns) :]
    got = np.sort(np.take_along_axis(scores, found, axis=1), axis=1)
    assert found.shape == (rows, min(k, columns))
    assert np.array_equal(got, expected)
    assert all(len(set(row)) == len(row) for row in found.tolist())


def test_the_kernels_blocks_in_one_buffer_are_the_whole_product():
    vectors = np.random.default_rng(1).standard_normal((130, 8)).astype(np.float32)

    blocks = [products.copy() for products in _products(vectors, 64)]

    assert [b.shape for b in blocks] == [(64, 130), (64, 130), (2, 130)]
    np.testing.assert_allclose(np.vstack(blocks), vectors @ vectors.T, rtol=1e-5, atol=1e-6)


def test_products_taken_per_first_row_are_those_of_the_pairs():
    rng = np.random.default_rng(3)
    wide = rng.standard_normal((300, 40)).astype(np.float32)
    left, right = wide[:, :16], wide[:, 16:32]  # columns of a wider matrix, as the corpus's vectors
    other = rng.standard_normal((300, 16)).astype(np.float32)
    # 150 first rows (more than one table of 64 takes), from one partner to everybody, in no order.
    counts = rng.integers(1, 30, size=150)
    counts[70] = 300
    i = np.repeat(np.arange(100, 250), counts)
    j = np.concatenate([rng.choice(300, size=n, replace=False) for n in counts])
    shuffle = rng.permutation(len(i))
    i, j = i[shuffle], j[shuffle]

    first, second = pair_dots(i, j, [(left, right), (other, left)])

    np.testing.assert_allclose(first, np.einsum("md,md->m", left[i], right[j]), atol=1e-5)
    np.testing.assert_allclose(second, np.einsum("md,md->m", other[i], left[j]), atol=1e-5)
    assert [x.tolist() for x in pair_dots(i[:0], j[:0], [(left, right)])] == [[]]


def test_pairs_are_many_per_row_when_they_are_several_times_the_span_of_their_rows():
    assert many_per_row(np.repeat(np.arange(10, 20), 8))
    assert not many_per_row(np.repeat(np.arange(10, 20), 7))
    assert not many_per_row(np.arange(1000))  # pairs of different organisations each
    assert not many_per_row(np.zeros(0, dtype=np.int64))


def test_the_benchmarks_worker_processes_load_the_snapshot_and_compute_the_same_lists():
    """Forked before the corpus exists, the benchmark's workers hold what a Celery worker holds: the
    engine they build from the stored snapshot. Their lists are the preparing process's own."""
    from matchmaking.engine.engine import Engine
    from matchmaking.management import bench_chunks
    from matchmaking.management.commands.bench_matching import synthetic_corpus
    from matchmaking.services.engines import matching_params
    from matchmaking.services.generations import _blocks

    pool = bench_chunks.worker_pool(2)
    try:
        corpus = synthetic_corpus(600, 32, np.random.default_rng(4))
        engine = Engine(corpus, matching_params(), seed=2)
        thresholds = engine.thresholds(np.arange(corpus.n))
        thresholds[~corpus.wants_list] = np.inf
        blocks = _blocks(corpus.n, 128)
        alone = bench_chunks.run_chunks(engine, thresholds, blocks, None, None, seed=2)
        shared = bench_chunks.run_chunks(engine, thresholds, blocks, pool, None, seed=2)
    finally:
        pool.shutdown()

    assert len(alone.results) == len(shared.results) == len(blocks)
    for mine, theirs in zip(alone.results, shared.results, strict=True):
        for field in ("rows", "partners", "ranks"):
            assert np.array_equal(getattr(mine, field), getattr(theirs, field))
        np.testing.assert_allclose(mine.scores, theirs.scores, rtol=1e-5)
    assert alone.pairs == shared.pairs > 0
