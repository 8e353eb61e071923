"""Arrays in an uncompressed ``.npz`` that are read without loading them whole.

``np.load(mmap_mode="r")`` ignores ``mmap_mode`` inside an ``.npz``, but a member stored
without compression is a plain ``.npy`` at a known offset of the file, so it can be
memory-mapped directly: a split of any size then costs only the pages a batch touches.
Members that are compressed (files written before this format) are read into memory.
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import numpy as np

from trustcnn.atomic import atomic_path

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # fixed member timestamps: identical arrays, identical bytes
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # a zip member's local file header (30 bytes)
_HEADER_READERS = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}


def write_stored_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """``arrays`` as uncompressed ``.npy`` members, written atomically and streamed (no copy)."""
    with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, array in arrays.items():
            member = zipfile.ZipInfo(f"{name}.npy", date_time=ZIP_EPOCH)
            with archive.open(member, "w", force_zip64=True) as handle:
                np.lib.format.write_array(handle, np.asanyarray(array), allow_pickle=False)


def map_npz(path: Path) -> dict[str, np.ndarray]:
    """Every member of the ``.npz`` at ``path``: memory-mapped read-only where stored
    uncompressed, else loaded."""
    arrays: dict[str, np.ndarray] = {}
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
            arrays[name] = np.memmap(
                path, dtype=dtype, mode="r", offset=raw.tell(), shape=shape, order="F" if fortran else "C"
            )
    return arrays
