"""The grouped top-k (arrays.top_k_grouped: the benchmark's baseline kernel, and the pre-filter's
thresholds) is exact: it finds each row's k largest scores, whatever the width (a multiple of its
group of 64 columns or not)."""

import numpy as np
import pytest

from matchmaking.engine.arrays import top_k_grouped


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
