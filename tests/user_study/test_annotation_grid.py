"""Cells and brush as pixels: each cell exactly its pixels, the brush's bits round-trip, and
anything malformed is refused."""

from __future__ import annotations

import base64

import numpy as np
import pytest

from trustcnn.user_study.annotation.grid import Grid


def test_each_cell_covers_exactly_its_own_pixels() -> None:
    grid = Grid.over(32, 24, 4)
    covered = np.zeros((32, 24), int)
    for n in range(grid.n_cells):
        mask = grid.cell_mask([n])
        row, col = divmod(n, 4)
        expected = np.zeros((32, 24), bool)
        expected[row * 8 : (row + 1) * 8, col * 6 : (col + 1) * 6] = True
        np.testing.assert_array_equal(mask, expected)
        covered += mask
    assert (covered == 1).all(), "no pixel shared, none left out"
    assert not grid.cell_mask([]).any()


def test_a_grid_that_does_not_divide_the_image_is_refused_with_the_sizes_that_fit() -> None:
    with pytest.raises(ValueError, match=r"annotation.grid=10 .* 32×32 .*\[2, 4, 8, 16, 32\]"):
        Grid.over(32, 32, 10)


@pytest.mark.parametrize("values", [["64"], ["-1"], ["1", "1"], ["x"], ["1.5"], [" 1"], ["٣"], [str(i) for i in range(65)]])
def test_malformed_cells_are_refused(values: list[str]) -> None:
    with pytest.raises(ValueError):
        Grid.over(32, 32, 8).parse_cells(values)


def test_cells_parse_sorted() -> None:
    assert Grid.over(32, 32, 8).parse_cells(["63", "0", "9"]) == [0, 9, 63]


@pytest.mark.parametrize("shape", [(32, 32), (28, 28), (5, 3)])
def test_the_brush_round_trips_bit_for_bit(shape: tuple[int, int]) -> None:
    grid = Grid(1, 1, *shape)
    mask = np.random.default_rng(0).random(shape) < 0.3
    text = grid.encode_brush(mask)
    assert len(text) == grid.brush_chars
    np.testing.assert_array_equal(grid.decode_brush(text), mask)
    assert grid.decode_brush("") is None and grid.decode_brush(grid.encode_brush(np.zeros(shape, bool))) is None


def test_malformed_brushes_are_refused() -> None:
    grid = Grid(1, 1, 5, 3)  # 15 pixels: 2 bytes, one bit to spare
    full = base64.b64encode(bytes([0xFF, 0xFE])).decode()
    assert grid.decode_brush(full).all()
    for text in (base64.b64encode(bytes([0xFF, 0xFF])).decode(), full[:-1], full + "AAAA", "!!!!", "ÿÿÿÿ"):
        with pytest.raises(ValueError):
            grid.decode_brush(text)
