"""Arrays on disk: spill files, streamed ``.npz`` writes, and a bounded resident set over
memory-mapped arrays however large they are."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest

from trustcnn.runtime.ondisk import (
    RESIDENT_LIMIT,
    Filler,
    ResidentBudget,
    allocate,
    blocks,
    gather,
    map_npz,
    mapping_of,
    release,
    spill,
    write_npz,
)

MIB = 2**20


def _resident_file_mib() -> float:
    """This process's resident pages of mapped files (``RssFile``), in MiB."""
    line = next(line for line in Path("/proc/self/status").read_text().splitlines() if line.startswith("RssFile:"))
    return int(line.split()[1]) / 1024


def _values(rows: int, row_bytes: int) -> np.ndarray:
    return np.arange(rows * row_bytes, dtype=np.uint64).astype(np.uint8).reshape(rows, row_bytes)


def _mapped(tmp_path: Path, rows: int, row_bytes: int) -> np.ndarray:
    write_npz(tmp_path / "big.npz", {"x": _values(rows, row_bytes)})
    return map_npz(tmp_path / "big.npz")["x"]


def test_a_mapped_member_writes_the_bytes_its_in_memory_copy_writes(tmp_path: Path) -> None:
    arrays = {"images": np.random.default_rng(0).integers(0, 256, (300, 8, 8, 3), dtype=np.uint8), "masks": np.eye(8, dtype=bool)}
    write_npz(tmp_path / "a.npz", arrays)
    mapped = map_npz(tmp_path / "a.npz")
    assert all(mapping_of(a) is not None for a in mapped.values())
    write_npz(tmp_path / "b.npz", mapped)
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    with np.load(tmp_path / "b.npz") as loaded:  # plain numpy reads it
        np.testing.assert_array_equal(loaded["images"], arrays["images"])
    write_npz(tmp_path / "c.npz", mapped, compression=zipfile.ZIP_DEFLATED)
    with zipfile.ZipFile(tmp_path / "c.npz") as archive:
        assert {i.compress_type for i in archive.infolist()} == {zipfile.ZIP_DEFLATED}
    np.testing.assert_array_equal(map_npz(tmp_path / "c.npz")["images"], arrays["images"])  # compressed: loaded


def test_a_pass_in_blocks_keeps_a_bounded_share_of_a_mapped_array_resident(tmp_path: Path) -> None:
    big = _mapped(tmp_path, 192, MIB)  # 192 MiB on disk
    expected = int(big[:, ::4096].astype(np.int64).sum())  # one byte of every page
    release(big)
    before = _resident_file_mib()
    total = sum(int(block[:, ::4096].sum()) for _, block in blocks(big))
    assert _resident_file_mib() - before < RESIDENT_LIMIT / MIB + 32
    assert total == expected
    for start in range(0, len(big), 16):  # the same pass without releasing: all of it stays
        big[start : start + 16].sum()
    assert _resident_file_mib() - before > 150
    release(big)
    assert _resident_file_mib() - before < 32


def test_a_resident_budget_takes_rows_and_drops_pages_as_it_goes(tmp_path: Path) -> None:
    big, expected = _mapped(tmp_path, 2048, 64 * 1024), _values(2048, 64 * 1024)  # 128 MiB
    release(big)
    before, budget, peak = _resident_file_mib(), ResidentBudget(big, limit=16 * MIB), 0.0
    order = np.random.default_rng(0).permutation(len(big))
    for start in range(0, len(big), 64):
        index = order[start : start + 64]
        np.testing.assert_array_equal(budget.take(big, index), expected[index])
        peak = max(peak, _resident_file_mib() - before)
    assert peak < 16 + 4 + 8  # the limit, one batch, slack
    for start in range(0, len(big), 64):  # the same batches gathered through the mapping: most of it stays
        np.asarray(big)[order[start : start + 64]].sum()
    assert _resident_file_mib() - before > 64


def test_allocate_keeps_what_fits_in_memory_and_spills_the_rest() -> None:
    small, large = allocate((10, 4), np.float32, 1), allocate((1024, 1024), np.float32, 1)
    assert mapping_of(small) is None and mapping_of(large) is not None
    assert large.dtype == np.float32 and not large.any()  # a new spill file reads as zeros
    assert spill((0, 3), np.uint8).shape == (0, 3)


def test_a_filler_writes_blocks_in_order_and_checks_it_was_filled() -> None:
    values = np.arange(1000 * 300, dtype=np.int64).reshape(1000, 300)
    filler = Filler(spill(values.shape, values.dtype))
    for start in range(0, 1000, 37):
        filler.add(values[start : start + 37])
    np.testing.assert_array_equal(filler.done(), values)
    with pytest.raises(ValueError, match="filled 37 of 1000 rows"):
        partial = Filler(allocate(values.shape, values.dtype, 1e9))
        partial.add(values[:37])
        partial.done()


def test_gather_takes_rows_into_memory_or_a_spill_file(tmp_path: Path) -> None:
    big, expected = _mapped(tmp_path, 300, 4096), _values(300, 4096)
    index = np.random.default_rng(0).permutation(300)[:120]
    for source in (big, expected):
        for budget, on_disk in ((1e9, False), (0.1, True)):
            taken = gather(source, index, budget)
            np.testing.assert_array_equal(taken, expected[index])
            assert (mapping_of(taken) is not None) == on_disk
    np.testing.assert_array_equal(gather(big, np.arange(300) % 3 == 0, 0.1), expected[::3])


def test_a_partial_filler_keeps_the_rows_written() -> None:
    filler = Filler(spill((100, 8), np.int32))
    filler.add(np.ones((30, 8), np.int32))
    assert filler.done(partial=True).shape == (30, 8) and filler.done(partial=True).all()
