"""The file a generation's snapshot is stored in (``matchmaking.engine.snapshots``): what goes in comes
back, large arrays a slice of rows at a time, the corpus's vectors as the first columns of matrices
as wide as the pre-filter's (which it then fills in place), an earlier version's plain pickle, and a
cut-off file. No database."""

import io
import pickle

import numpy as np
import pytest

from matchmaking.engine import learned, snapshots
from matchmaking.engine.building import build
from matchmaking.engine.engine import Engine
from matchmaking.engine.params import Params
from tests.matchmaking.test_prefilter import DIM, corpus_of


@pytest.fixture
def small_slices(monkeypatch):
    """Arrays of a few hundred bytes count as large, and are written and read a few rows at a time."""
    monkeypatch.setattr(snapshots, "LARGE", 256)
    monkeypatch.setattr(snapshots, "STEP", 200)


def round_trip(payload):
    handle = io.BytesIO()
    snapshots.dump(payload, handle)
    handle.seek(0)
    return snapshots.load(handle), handle.getvalue()


def test_what_goes_in_comes_back(small_slices):
    rng = np.random.default_rng(0)
    wide = rng.standard_normal((50, 12)).astype(np.float32)
    shared = np.arange(300, dtype=np.int64)
    payload = {
        "vectors": wide[:, :5],  # the first columns of a wider matrix
        "middle": wide[:, 3:7],  # columns that are not the first: written as values
        "counts": shared,
        "again": shared,
        "flags": rng.random(400) < 0.5,
        "small": np.array([1.5, 2.5], dtype=np.float32),
        "names": np.asarray(["a", "b", None], dtype=object),
        "scalar": np.float64(3.25),
        "text": "Sensorik",
    }

    loaded, data = round_trip(payload)

    for key in ("vectors", "middle", "counts", "flags", "small"):
        assert loaded[key].dtype == payload[key].dtype
        np.testing.assert_array_equal(loaded[key], payload[key])
    assert loaded["names"].tolist() == ["a", "b", None] and loaded["scalar"] == 3.25 and loaded["text"] == "Sensorik"
    assert loaded["again"] is loaded["counts"]  # one array referenced twice is written and read once
    assert data.count(shared.tobytes()) == 1
    assert snapshots.leading_columns_of(loaded["vectors"]) == 12
    assert snapshots.leading_columns_of(loaded["middle"]) is None
    assert not loaded["vectors"].base[:, 5:].any()  # the other columns are left for the pre-filter


def test_the_arrays_are_written_a_slice_of_rows_at_a_time(small_slices, monkeypatch):
    written = []
    real = np.ascontiguousarray
    monkeypatch.setattr(snapshots.np, "ascontiguousarray", lambda a: written.append(a.nbytes) or real(a))
    vectors = np.ones((100, 16), dtype=np.float32)[:, :8]

    _, data = round_trip({"vectors": vectors})
    reads = []

    class Recording(io.BytesIO):
        def read(self, size=-1):
            reads.append(size)
            return super().read(size)

    loaded = snapshots.load(Recording(data))

    assert max(written) <= snapshots.STEP and sum(written) == vectors.nbytes
    arrays = reads[3:]  # after the marker, the stream's length and the stream
    assert max(arrays) <= snapshots.STEP and sum(arrays) == vectors.nbytes
    np.testing.assert_array_equal(loaded["vectors"], vectors)


def test_a_loaded_corpus_gives_the_same_lists_and_its_pre_filter_takes_the_loaded_buffers(small_slices):
    params = Params.from_mapping({"k": 3, "candidates": 12})
    corpus = build(corpus_of(60), dim=DIM)
    engine = Engine(corpus, params)  # the snapshot is stored after the engine took the vectors
    expected = engine.compute_all(block=16)
    assert snapshots.leading_columns_of(corpus.request) == engine.X.shape[1]

    loaded, _ = round_trip({"corpus": corpus})
    revived = loaded["corpus"]
    assert revived.spare_columns
    again = Engine(revived, params)
    result = again.compute_all(block=16)

    assert revived.request.base is again.X and revived.offer.base is again.Y  # no copy of the vectors
    np.testing.assert_allclose(again.X, engine.X, rtol=1e-6)
    np.testing.assert_allclose(again.Y, engine.Y, rtol=1e-6)
    for field in ("rows", "partners", "ranks"):
        np.testing.assert_array_equal(getattr(result, field), getattr(expected, field))
    np.testing.assert_allclose(result.scores, expected.scores, rtol=1e-6)


def test_a_snapshot_of_an_earlier_version_a_plain_pickle_still_loads():
    corpus = build(corpus_of(20), dim=DIM)
    handle = io.BytesIO(pickle.dumps({"corpus": corpus, "block_size": 8}))

    loaded = snapshots.load(handle)

    assert loaded["block_size"] == 8
    np.testing.assert_array_equal(loaded["corpus"].offer, corpus.offer)
    assert not loaded["corpus"].spare_columns  # its vectors are narrow: the pre-filter copies them


def test_a_cut_off_snapshot_is_an_error_not_a_corpus_of_zeros(small_slices):
    _, data = round_trip({"vectors": np.ones((100, 4), dtype=np.float32)})

    with pytest.raises(pickle.UnpicklingError, match="ends before its arrays"):
        snapshots.load(io.BytesIO(data[:-10]))


def test_the_hub_signal_is_measured_once_per_corpus_and_travels_with_the_snapshot(small_slices, monkeypatch):
    params = Params.from_mapping({"k": 3, "candidates": 12})
    assert params.weights  # the learned score, which has the hub penalty
    measured = []
    real = learned.hubness
    monkeypatch.setattr(learned, "hubness", lambda *args, **kwargs: measured.append(1) or real(*args, **kwargs))
    corpus = build(corpus_of(60), dim=DIM)
    engine = Engine(corpus, params)
    Engine(corpus, Params.from_mapping({"k": 5, "candidates": 12}))

    loaded, _ = round_trip({"corpus": corpus})
    again = Engine(loaded["corpus"], params)

    assert len(measured) == 1
    np.testing.assert_array_equal(again.hubness, engine.hubness)
    np.testing.assert_array_equal(again.hub_sample, engine.hub_sample)
    # A snapshot stored before the corpus kept it: measured when loaded.
    older, _ = round_trip({"corpus": corpus})
    del older["corpus"].__dict__["hub"]
    np.testing.assert_array_equal(Engine(older["corpus"], params).hubness, engine.hubness)
    assert len(measured) == 2
