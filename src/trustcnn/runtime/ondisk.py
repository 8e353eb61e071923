"""Arrays that live on disk: memory-mapped ``.npz`` members, spill files, and a bound on
the pages of them a process keeps resident.

``np.load(mmap_mode="r")`` ignores ``mmap_mode`` inside an ``.npz``, but a member stored
without compression is a plain ``.npy`` at a known offset of the file, so it can be
memory-mapped directly (:func:`map_npz`): a split of any size then costs only the pages a
batch touches. Members that are compressed (files written before this format) are read
into memory.

A page of a mapping, once touched, stays in the process's resident set until the mapping
is closed or the kernel needs the memory — a pass over a mapped split would grow the
resident set to the split's size even though none of it is needed afterwards. Passes here
therefore drop the pages they are done with (``madvise(MADV_DONTNEED)``, :func:`release`)
every :data:`RESIDENT_LIMIT` bytes: the data stays in the page cache (and, for a file being
written, is written back from there), and a later read faults it back in. Rows gathered at
random (a shuffled batch) are read from the file with ``preadv`` instead of through the
mapping: the kernel maps a whole page-cache folio (up to megabytes) on a fault, so a
mapped batch of scattered 3 KB rows could make a hundred times its size resident.
"""

from __future__ import annotations

import mmap
import os
import struct
import tempfile
import weakref
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from trustcnn.runtime.atomic import atomic_path

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # fixed member timestamps: identical arrays, identical bytes
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # a zip member's local file header (30 bytes)
_HEADER_READERS = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
RESIDENT_LIMIT = 64 * 2**20
"""Bytes of mapped pages a reader or writer touches before it drops them again."""
BLOCK_BYTES = 16 * 2**20
"""About how much of an array :func:`blocks` hands out at a time."""


_FILES: dict[int, tuple[int, int, int]] = {}
"""``id(map) → (file descriptor, offset of the map in the file, address of the map)`` for
every map made here, so its rows can be read from the file; dropped with the map."""


def _map_file(fd: int, length: int, offset: int, access: int) -> mmap.mmap:
    """A map of ``length`` bytes of ``fd`` from ``offset`` (a multiple of the allocation
    granularity); keeps its own copy of the descriptor until the map is collected."""
    mapped = mmap.mmap(fd, length, access=access, offset=offset)
    own = os.dup(fd)
    _FILES[id(mapped)] = (own, offset, np.frombuffer(mapped, np.uint8, count=1).ctypes.data)
    weakref.finalize(mapped, _forget, id(mapped), own)
    return mapped


def _forget(key: int, fd: int) -> None:
    _FILES.pop(key, None)
    os.close(fd)


def mapping_of(array: np.ndarray) -> mmap.mmap | None:
    """The memory map ``array``'s data lives in (it or an array it views), else ``None``."""
    base: object = array
    while isinstance(base, np.ndarray):
        base = base.base
    return base if isinstance(base, mmap.mmap) else None


def release(*arrays: np.ndarray | None) -> None:
    """Drop the resident pages of every memory-mapped array among ``arrays`` (others are left
    alone). Safe for the shared file mappings used here: their contents are the file's."""
    seen: set[int] = set()
    for array in arrays:
        mapped = None if array is None else mapping_of(array)
        if mapped is not None and not mapped.closed and id(mapped) not in seen:
            seen.add(id(mapped))
            mapped.madvise(mmap.MADV_DONTNEED)


class ResidentBudget:
    """Counts the bytes read from (or written to) memory-mapped arrays and drops their
    pages after every ``limit`` bytes, so a pass over them keeps at most about that much
    resident however large they are."""

    def __init__(self, *arrays: np.ndarray | None, limit: int = RESIDENT_LIMIT) -> None:
        self.arrays = tuple(a for a in arrays if a is not None and mapping_of(a) is not None)
        self.limit, self.touched = limit, 0

    def spend(self, nbytes: int) -> None:
        if not self.arrays:
            return
        self.touched += nbytes
        if self.touched >= self.limit:
            release(*self.arrays)
            self.touched = 0

    def take(self, array: np.ndarray, index: np.ndarray) -> np.ndarray:
        """``array[index]`` (rows, a copy); rows of a file map made here are read from the file."""
        source = _file_rows(array)
        if source is None or index.dtype.kind not in "iu" or index.ndim != 1:
            rows = np.asarray(array[index])
            self.spend(rows.nbytes + len(rows) * mmap.PAGESIZE)
            return rows
        fd, start, row_bytes = source
        rows = np.empty((len(index), *array.shape[1:]), dtype=array.dtype)
        flat = rows.reshape(len(index), -1).view(np.uint8)
        index = np.where(index < 0, index + len(array), index)
        if len(index) and (index.min() < 0 or index.max() >= len(array)):
            raise IndexError(f"index out of range for {len(array)} rows")
        breaks = np.flatnonzero(np.diff(index) != 1) + 1  # runs of consecutive rows: one read each
        for first, last in zip(np.r_[0, breaks], np.r_[breaks, len(index)]):
            want = (last - first) * row_bytes
            if os.preadv(fd, [flat[first:last].reshape(-1)], start + int(index[first]) * row_bytes) != want:  # type: ignore[list-item]  # an ndarray is a buffer; numpy declares __buffer__ for Python ≥ 3.12 only
                raise OSError(f"short read from a memory-mapped file ({want} bytes wanted)")
        return rows


def _file_rows(array: np.ndarray) -> tuple[int, int, int] | None:
    """``(descriptor, file offset of row 0, bytes per row)`` of an array of C-contiguous rows
    in a map made here, else ``None``."""
    mapped = mapping_of(array)
    known = None if mapped is None else _FILES.get(id(mapped))
    if known is None or array.ndim == 0 or not array[:1].flags.c_contiguous or array.strides[0] != array[:1].nbytes:
        return None
    fd, offset, address = known
    return fd, offset + array.ctypes.data - address, array.strides[0]


def blocks(array: np.ndarray, rows: int | None = None) -> Iterator[tuple[int, np.ndarray]]:
    """``(start, array[start:start + rows])`` in order — about :data:`BLOCK_BYTES` each by
    default — dropping the pages of a mapped array as the pass goes and once it ends."""
    row_bytes = max(1, array[:1].nbytes)
    rows = rows or max(1, BLOCK_BYTES // row_bytes)
    budget = ResidentBudget(array)
    try:
        for start in range(0, len(array), rows):
            block = array[start : start + rows]
            yield start, block
            budget.spend(block.nbytes)
    finally:
        release(array)


def spill(shape: tuple[int, ...], dtype: np.dtype | type) -> np.ndarray:
    """A writable array of zeros in an unlinked temporary file, memory-mapped: the file's
    space is freed when the last view of it goes."""
    nbytes = int(np.prod(shape)) * np.dtype(dtype).itemsize
    if nbytes == 0:
        return np.zeros(shape, dtype)
    with tempfile.TemporaryFile(prefix="trustcnn-spill-") as handle:  # no name; the map keeps the file
        os.ftruncate(handle.fileno(), nbytes)
        return np.ndarray(shape, dtype, buffer=_map_file(handle.fileno(), nbytes, 0, mmap.ACCESS_WRITE))


def allocate(shape: tuple[int, ...], dtype: np.dtype | type, memory_budget_mb: float) -> np.ndarray:
    """An array of zeros to fill: in memory when it fits ``memory_budget_mb``, else a
    :func:`spill` file."""
    nbytes = int(np.prod(shape)) * np.dtype(dtype).itemsize
    return np.zeros(shape, dtype) if nbytes <= memory_budget_mb * 2**20 else spill(shape, dtype)


class Filler:
    """Writes consecutive row blocks into ``target`` (from :func:`allocate`), dropping the
    written pages of a spill file as it fills."""

    def __init__(self, target: np.ndarray) -> None:
        self.target, self.filled = target, 0
        self._budget = ResidentBudget(target)

    def add(self, rows: np.ndarray) -> None:
        end = self.filled + len(rows)
        self.target[self.filled : end] = rows
        self.filled = end
        self._budget.spend(np.asarray(rows).nbytes)

    def done(self, partial: bool = False) -> np.ndarray:
        """The filled array; with ``partial``, its rows filled so far (``target`` may be an
        upper bound: rows never written cost nothing, in memory or on disk)."""
        if self.filled != len(self.target) and not partial:
            raise ValueError(f"filled {self.filled} of {len(self.target)} rows")
        release(self.target)
        return self.target[: self.filled]


def gather(array: np.ndarray, index: np.ndarray, memory_budget_mb: float) -> np.ndarray:
    """``array[index]`` (an integer or boolean row index) in an :func:`allocate` array: a
    mapped source is read block by block and its pages dropped, and the result goes to a
    spill file when it exceeds ``memory_budget_mb``."""
    index = np.flatnonzero(index) if np.asarray(index).dtype == bool else np.asarray(index, dtype=np.int64)
    shape = (len(index), *array.shape[1:])
    if mapping_of(array) is None and int(np.prod(shape)) * array.dtype.itemsize <= memory_budget_mb * 2**20:
        return array[index]
    filler, budget = Filler(allocate(shape, array.dtype, memory_budget_mb)), ResidentBudget(array)
    rows = max(1, BLOCK_BYTES // max(1, array[:1].nbytes))
    for start in range(0, len(index), rows):
        filler.add(budget.take(array, index[start : start + rows]))
    release(array)
    return filler.done()


def _write_member(handle, array: np.ndarray) -> None:
    """``np.lib.format.write_array``'s bytes; a mapped array goes in blocks, its pages dropped."""
    array = np.asanyarray(array)
    if mapping_of(array) is None or not array.flags.c_contiguous or array.dtype.hasobject:
        np.lib.format.write_array(handle, array, allow_pickle=False)
        return
    np.lib.format.write_array_header_1_0(handle, np.lib.format.header_data_from_array_1_0(array))
    for _, block in blocks(array):
        handle.write(block.reshape(-1).view(np.uint8).data)


def write_npz(path: Path, arrays: dict[str, np.ndarray], compression: int = zipfile.ZIP_STORED) -> None:
    """``arrays`` as ``.npy`` members (uncompressed by default), written atomically and
    streamed: memory-mapped arrays go through in blocks, never whole."""
    with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w", compression=compression) as archive:
        for name, array in arrays.items():
            member = zipfile.ZipInfo(f"{name}.npy", date_time=ZIP_EPOCH)
            member.compress_type = compression
            with archive.open(member, "w", force_zip64=True) as handle:
                _write_member(handle, array)


def map_npz(path: Path) -> dict[str, np.ndarray]:
    """Every member of the ``.npz`` at ``path``: memory-mapped read-only where stored
    uncompressed (one map of the file for all of them), else loaded."""
    arrays: dict[str, np.ndarray] = {}
    mapped: mmap.mmap | None = None
    with zipfile.ZipFile(path) as archive, open(path, "rb") as raw:
        for info in archive.infolist():
            name = info.filename.removesuffix(".npy")
            if info.compress_type != zipfile.ZIP_STORED:
                with archive.open(info) as handle:
                    arrays[name] = np.lib.format.read_array(handle, allow_pickle=False)
                continue
            raw.seek(info.header_offset)
            fields = _LOCAL_HEADER.unpack(raw.read(_LOCAL_HEADER.size))
            raw.seek(fields[-2] + fields[-1], 1)  # skip the member's name and extra field
            version = np.lib.format.read_magic(raw)
            if version not in _HEADER_READERS:
                raise ValueError(f"{path}: member {name} has .npy format {version}, which can't be memory-mapped")
            shape, fortran, dtype = _HEADER_READERS[version](raw)
            if dtype.hasobject:
                raise ValueError(f"{path}: member {name} holds Python objects; refusing to load it")
            if 0 in shape:
                arrays[name] = np.empty(shape, dtype=dtype, order="F" if fortran else "C")
                continue
            mapped = mapped or _map_file(raw.fileno(), 0, 0, mmap.ACCESS_READ)
            arrays[name] = np.ndarray(shape, dtype, buffer=mapped, offset=raw.tell(), order="F" if fortran else "C")
    return arrays
