"""The map chunks' files: each block's share read back as it was written, alone."""

import io

import numpy as np
import pytest

from matchmaking import corpus_loading, map_pieces


def share(n: int, seed: int) -> tuple:
    rng = np.random.default_rng(seed)
    return (
        rng.integers(0, 10**6, n),
        rng.integers(0, 10**6, n),
        rng.random(n, dtype=np.float32),
        rng.random(n, dtype=np.float32),
    )


def test_each_blocks_share_is_read_back_as_written_and_a_block_without_one_is_empty():
    shares = {1: share(5, 1), 3: share(0, 2), 4: share(7, 3)}
    buffer = io.BytesIO()
    map_pieces.write(buffer, shares, blocks=5)

    for block in range(5):
        buffer.seek(0)
        got = map_pieces.read(buffer, block)
        want = shares.get(block, share(0, 0))
        assert [a.dtype for a in got] == [np.int64, np.int64, np.float32, np.float32]
        for a, b in zip(got, want, strict=True):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(("content", "block", "message"), [(b"PK\x03\x04", 0, "Not a file"), (None, 5, "Block 5")])
def test_a_wrong_file_or_block_is_refused(content, block, message):
    buffer = io.BytesIO()
    if content is None:
        map_pieces.write(buffer, {0: share(3, 1)}, blocks=5)
    else:
        buffer.write(content)
    buffer.seek(0)
    with pytest.raises(ValueError, match=message):
        map_pieces.read(buffer, block)


def test_a_share_comes_from_the_map_chunks_file_or_from_its_earlier_file_per_block(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    map_pieces.save(map_pieces.path(7, 0), {2: share(4, 1)}, blocks=3)
    earlier = share(6, 2)
    corpus_loading.save_arrays(
        corpus_loading.snapshot_path(7, "map-1-to-2.npz"),
        rows=earlier[0],
        cols=earlier[1],
        fwd=earlier[2],
        bwd=earlier[3],
    )

    np.testing.assert_array_equal(map_pieces.share(7, 0, 2)[0], share(4, 1)[0])
    np.testing.assert_array_equal(map_pieces.share(7, 1, 2)[3], earlier[3])
    assert map_pieces.share(7, 2, 2) is None
    assert sorted(map_pieces.generation_files(7)) == [
        "matching/generation-7/map-0.candidates",
        "matching/generation-7/map-1-to-2.npz",
    ]
