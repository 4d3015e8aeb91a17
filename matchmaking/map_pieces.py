"""The candidates a map chunk found, on disk: one file per map chunk, read one block at a time.

A map chunk finds candidates for every block at or after its block rows, and each reduce chunk needs
one block's share of every map chunk's candidates. The file holds the four arrays (rows, columns,
forward and backward raw values) with the shares of the blocks one after the other, behind a header
that says where each share begins: a reduce chunk reads the header and its four slices. At 200,000
organisations in blocks of 1,024, one ``.npz`` per map chunk and block took a file write per block
(0.12-0.16 s for 98), and one ``.npz`` of all shares a parse of its whole directory at every read
(bench/README.md)."""

from __future__ import annotations

import io

import numpy as np
from django.core.files.storage import default_storage

from matchmaking import corpus_loading

MAGIC = b"WFSMAP01"
FIELDS = (("rows", np.int64), ("cols", np.int64), ("fwd", np.float32), ("bwd", np.float32))


def write(handle, shares: dict[int, tuple], blocks: int) -> None:
    """Write the shares ({block: (rows, cols, fwd, bwd)}) of a map chunk for ``blocks`` blocks."""
    counts = np.zeros(blocks, dtype=np.int64)
    for block, share in shares.items():
        counts[block] = len(share[0])
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    handle.write(MAGIC + np.int64(blocks).tobytes() + offsets.tobytes())
    for field, (_, dtype) in enumerate(FIELDS):
        for block in sorted(shares):
            handle.write(np.ascontiguousarray(shares[block][field], dtype=dtype).tobytes())


def read(handle, block: int) -> tuple[np.ndarray, ...]:
    """The share of ``block``: (rows, cols, fwd, bwd), empty arrays when it has none."""
    if handle.read(len(MAGIC)) != MAGIC:
        raise ValueError("Not a file of a map chunk's candidates.")
    blocks = int(np.frombuffer(handle.read(8), dtype=np.int64)[0])
    if not 0 <= block < blocks:
        raise ValueError(f"Block {block} is not one of the file's {blocks} blocks.")
    offsets = np.frombuffer(handle.read(8 * (blocks + 1)), dtype=np.int64)
    start, stop, total = int(offsets[block]), int(offsets[block + 1]), int(offsets[-1])
    at = len(MAGIC) + 8 * (blocks + 2)  # where the first array begins
    out = []
    for _, dtype in FIELDS:
        size = np.dtype(dtype).itemsize
        handle.seek(at + start * size)
        out.append(np.frombuffer(handle.read((stop - start) * size), dtype=dtype))
        at += total * size
    return tuple(out)


def save(path: str, shares: dict[int, tuple], blocks: int) -> None:
    """Store a map chunk's file (replacing one an earlier attempt of the chunk wrote)."""
    buffer = io.BytesIO()
    write(buffer, shares, blocks)
    corpus_loading.store(path, buffer.getvalue())


def load(path: str, block: int) -> tuple[np.ndarray, ...]:
    with default_storage.open(path, "rb") as handle:
        return read(handle, block)


def path(generation_id: int, index: int) -> str:
    """The file of map chunk ``index`` of a generation."""
    return corpus_loading.snapshot_path(generation_id, f"map-{index}.candidates")


def share(generation_id: int, m: int, block: int) -> tuple[np.ndarray, ...] | None:
    """What map chunk ``m`` found for the lists of ``block``; None without a file. A file per pair of
    map chunk and block is how map chunks wrote them before (a generation built across the change)."""
    name = path(generation_id, m)
    if default_storage.exists(name):
        return load(name, block)
    earlier = corpus_loading.snapshot_path(generation_id, f"map-{m}-to-{block}.npz")
    if default_storage.exists(earlier):
        data = corpus_loading.load_arrays(earlier)
        return data["rows"], data["cols"], data["fwd"], data["bwd"]
    return None


def generation_files(generation_id: int) -> list[str]:
    """Every map chunk's file of a generation (deleted once it is active)."""
    return [
        name for name in corpus_loading.generation_files(generation_id) if name.rsplit("/", 1)[1].startswith("map-")
    ]
