"""The file a generation's snapshot is stored in: a pickle of the payload in which every large
numeric array stands as a reference, followed by the arrays' bytes. No Django here.

A plain pickle made a whole copy of the corpus on the way: ``pickle.dumps`` the bytes of the file
(1 GB at 200,000 organisations), and a column view (the corpus's vectors are the first columns of
the pre-filter's wider matrices) one copy of its values even when pickled into a file. Here the
arrays are written and read a slice of rows at a time, so neither the task that stores the snapshot
nor the worker that loads it holds a second copy; and a view of the first columns of a wider matrix
comes back as the first columns of a matrix as wide, which the pre-filter fills in place
(``Corpus.spare_columns``) instead of copying the vectors once more.

The layout: ``MAGIC``, the pickle stream's length (8 bytes, little-endian), the pickle stream, the
arrays in the order of their first reference. Only files the project wrote are read (the pickle
runs code of its own classes), as before. A file without ``MAGIC`` is a plain pickle of an earlier
version, read as such."""

from __future__ import annotations

import io
import pickle

import numpy as np

MAGIC = b"WFS-SNAPSHOT-1\n"
LARGE = 1 << 20  # arrays of at least this many bytes are written after the pickle stream
STEP = 16 << 20  # bytes of rows written or read at a time


def dump(payload, handle) -> None:
    """Writes the payload to a seekable binary file."""
    handle.write(MAGIC)
    length_at = handle.tell()
    handle.write(bytes(8))
    pickler = _Pickler(handle, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dump(payload)
    length = handle.tell() - length_at - 8
    for array in pickler.arrays:
        for rows in _row_slices(array):
            handle.write(np.ascontiguousarray(array[rows]).data)
    end = handle.tell()
    handle.seek(length_at)
    handle.write(length.to_bytes(8, "little"))
    handle.seek(end)


def load(handle):
    """Reads what ``dump`` wrote (or an earlier version's plain pickle) from a seekable binary file."""
    if handle.read(len(MAGIC)) != MAGIC:
        handle.seek(0)
        return pickle.load(handle)
    length = int.from_bytes(handle.read(8), "little")
    stream = io.BytesIO(handle.read(length))
    return _Unpickler(stream, handle).load()


def leading_columns_of(array: np.ndarray) -> int | None:
    """The width of the matrix whose first columns ``array`` is, if it is such a view."""
    base = array.base
    if (
        array.ndim != 2
        or not isinstance(base, np.ndarray)
        or base.ndim != 2
        or not base.flags.c_contiguous
        or base.shape[0] != array.shape[0]
        or base.shape[1] <= array.shape[1]
        or base.dtype != array.dtype
        or array.strides != base.strides
        or array.__array_interface__["data"][0] != base.__array_interface__["data"][0]
    ):
        return None
    return base.shape[1]


def _row_slices(array: np.ndarray):
    """Slices of about ``STEP`` bytes of rows (the whole of a 0-d array)."""
    if array.ndim == 0:
        yield ()
        return
    row_bytes = max(1, array[:1].nbytes)
    step = max(1, STEP // row_bytes)
    for start in range(0, len(array), step):
        yield slice(start, start + step)


class _Pickler(pickle.Pickler):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.arrays: list[np.ndarray] = []
        self._ids: dict[int, tuple] = {}

    def persistent_id(self, obj):
        if type(obj) is not np.ndarray or obj.dtype.kind not in "biufc" or obj.nbytes < LARGE:
            return None
        if id(obj) not in self._ids:
            self._ids[id(obj)] = ("array", len(self.arrays), obj.dtype.str, obj.shape, leading_columns_of(obj))
            self.arrays.append(obj)
        return self._ids[id(obj)]


class _Unpickler(pickle.Unpickler):
    def __init__(self, stream, arrays_from):
        super().__init__(stream)
        self.arrays_from = arrays_from
        self.arrays: list[np.ndarray] = []

    def persistent_load(self, pid):
        kind, index, dtype, shape, width = pid
        if kind != "array":
            raise pickle.UnpicklingError(f"unknown reference in a snapshot: {kind!r}")
        if index < len(self.arrays):
            return self.arrays[index]
        if index != len(self.arrays):
            raise pickle.UnpicklingError("the snapshot's arrays are out of order")
        dtype = np.dtype(dtype)
        if width is None:
            array = np.empty(shape, dtype=dtype)
        else:  # zeros: their pages cost nothing until the pre-filter writes them
            array = np.zeros((shape[0], width), dtype=dtype)[:, : shape[1]]
        for rows in _row_slices(array):
            part = array[rows]
            data = self.arrays_from.read(part.nbytes)
            if len(data) != part.nbytes:
                raise pickle.UnpicklingError("the snapshot ends before its arrays do")
            array[rows] = np.frombuffer(data, dtype=dtype).reshape(part.shape)
        self.arrays.append(array)
        return array
