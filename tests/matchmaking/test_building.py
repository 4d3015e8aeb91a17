"""Building a corpus a batch at a time (``building.Builder``): the rows reordered in place, fewer
organisations than announced (one deleted while the corpus was read), more refused. No database."""

import numpy as np
import pytest

from matchmaking.engine.arrays import permute_rows
from matchmaking.engine.building import Builder, build, fit_lexical, needs_first
from matchmaking.engine.corpus import ROW_FIELDS, assemble
from matchmaking.engine.snapshots import leading_columns_of
from tests.matchmaking.hand_made import DIM, org, unit


def records() -> list:
    return [
        org("a", offers=unit(1, 0), offer_text="Kühlkette Logistik"),
        org("b", needs=unit(0, 1), request_text="Transport von Laborproben", request_german=1.0),
        org("c", offers=unit(1, 1), needs=unit(1, 0, 1), offer_text="Sensorik", request_text="Kamera"),
        org("d", offers=unit(0, 0, 1), offer_text="Weberei Stoffe"),
        org("e", needs=unit(0, 1, 1), request_text="quality inspection", request_german=0.0),
    ]


def test_rows_are_reordered_in_place_as_fancy_indexing_would():
    rng = np.random.default_rng(4)
    wide = rng.standard_normal((50, 9)).astype(np.float32)
    view, other = wide[:, :6], rng.integers(0, 9, size=(50, 3))
    order = rng.permutation(50)
    expected = [view[order].copy(), other[order].copy()]

    permute_rows([view, other], order)

    assert np.array_equal(view, expected[0]) and np.array_equal(other, expected[1])
    assert leading_columns_of(view) == 9  # still the first columns of the same buffer


def test_a_corpus_built_in_batches_in_needs_first_order_is_the_sorted_corpus_built_at_once():
    made = records()
    lexical = fit_lexical(made)
    builder = Builder(len(made), DIM, lexical)
    for start in range(0, len(made), 2):
        builder.add(made[start : start + 2])
    corpus = builder.corpus(ordered=True)
    ordered = needs_first(made)
    both = lexical.transform([r.offer_text for r in ordered] + [r.request_text for r in ordered])
    expected = assemble(ordered, DIM, both[:5], both[5:])

    assert list(corpus.ids) == [r.id for r in needs_first(made)] == ["e", "c", "b", "a", "d"]
    for name in ROW_FIELDS:
        if name.startswith("lex_"):  # transformed in other slices: the same up to float rounding
            np.testing.assert_allclose(getattr(corpus, name), getattr(expected, name), atol=1e-6, err_msg=name)
        elif not name.endswith("_profiles"):
            assert np.array_equal(getattr(corpus, name), getattr(expected, name)), name
    for side in ("offer_profiles", "request_profiles"):
        mine, theirs = getattr(corpus, side)[:, 0], getattr(expected, side)[:, 0]
        assert list(corpus.profile_ids[mine[mine >= 0]]) == list(expected.profile_ids[theirs[theirs >= 0]])


def test_fewer_organisations_than_announced_make_a_smaller_corpus_and_more_are_refused():
    made = records()
    builder = Builder(7, DIM, fit_lexical(made))
    builder.add(made[:3])
    builder.add(made[3:])
    with pytest.raises(ValueError, match="more than the 7 organisations"):
        builder.add(made[:3])

    corpus = builder.corpus()

    assert corpus.n == 5 and corpus.offer.shape == (5, DIM) and corpus.spare_columns
    assert leading_columns_of(corpus.offer) is not None and leading_columns_of(corpus.request) is not None
    assert np.array_equal(corpus.offer, build(made, dim=DIM).offer)
