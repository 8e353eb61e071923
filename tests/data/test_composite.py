import numpy as np
import pytest

from trustcnn.data.composite import (
    MASK_THRESHOLD,
    class_palette,
    composite_glyphs,
)
from trustcnn.data.textures import TEXTURE_NAMES, load_texture, random_texture_crops
from trustcnn.runtime.ondisk import mapping_of

K = 10


def _glyphs(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Random 8×8 glyphs with values in {0, 0.25, 0.5, 1} and balanced labels."""
    rng = np.random.default_rng(seed)
    levels = np.array([0.0, 0.25, 0.5, 1.0], dtype=np.float32)
    return rng.choice(levels, size=(n, 8, 8)), np.arange(n) % K


def _composite(n: int = 200, seed: int = 0, **kwargs):
    glyphs, labels = _glyphs(n)
    options = {"num_classes": K, "image_size": 32, "glyph_size": 20, "decoy_size": 5}
    options.update(kwargs)
    return composite_glyphs(glyphs, labels, rng=np.random.default_rng(seed), **options), labels


def _decoy_classes(result) -> np.ndarray:
    """A trivial classifier: the palette colour nearest to each image's decoy pixels."""
    palette = class_palette(K) * 255
    colours = np.array([image[mask].mean(axis=0) for image, mask in zip(result.images, result.decoy_masks)])
    return np.linalg.norm(colours[:, None] - palette[None], axis=2).argmin(axis=1)


def _bbox(mask: np.ndarray) -> tuple[slice, slice]:
    ys, xs = np.nonzero(mask)
    return slice(ys.min(), ys.max() + 1), slice(xs.min(), xs.max() + 1)


@pytest.mark.parametrize("decoy", ["none", "correlated", "random"])
def test_shapes_and_dtypes(decoy):
    result, _ = _composite(n=12, decoy=decoy)
    assert result.images.shape == (12, 32, 32, 3) and result.images.dtype == np.uint8
    assert result.masks.shape == (12, 32, 32) and result.masks.dtype == bool
    assert result.decoy_masks.shape == (12, 32, 32) and result.decoy_masks.dtype == bool


def test_constant_glyph_gives_a_full_square_mask_in_the_glyph_colour():
    glyphs = np.ones((20, 6, 6), dtype=np.float32)
    result = composite_glyphs(
        glyphs,
        np.zeros(20, dtype=int),
        num_classes=1,
        rng=np.random.default_rng(1),
        image_size=32,
        glyph_size=12,
    )
    for image, mask in zip(result.images, result.masks):
        rows, cols = _bbox(mask)
        assert mask.sum() == 144 and mask[rows, cols].all()
        painted = image[mask]
        assert (painted == painted[0]).all()  # alpha 1: the glyph colour alone


@pytest.mark.parametrize("threshold", [MASK_THRESHOLD, 0.25, 1.0])
def test_mask_is_exactly_where_alpha_reaches_the_threshold(threshold):
    glyphs, labels = _glyphs(30)
    glyphs[:, 0, 0] = glyphs[:, -1, -1] = 1.0  # the mask's bounding box is the glyph box
    result = composite_glyphs(
        glyphs,
        labels,
        num_classes=K,
        rng=np.random.default_rng(2),
        image_size=32,
        glyph_size=8,
        mask_threshold=threshold,
    )
    for glyph, mask in zip(glyphs, result.masks):
        rows, cols = _bbox(mask)
        np.testing.assert_array_equal(mask[rows, cols], glyph >= threshold)
        assert mask.sum() == (glyph >= threshold).sum()


@pytest.mark.parametrize("decoy", ["correlated", "random"])
def test_decoy_is_a_square_that_never_overlaps_the_glyph(decoy):
    result, _ = _composite(n=300, decoy=decoy, glyph_size=24, decoy_size=4)
    assert not (result.masks & result.decoy_masks).any()
    for mask in result.decoy_masks:
        rows, cols = _bbox(mask)
        assert mask.sum() == 16 and mask[rows, cols].all()


def test_decoy_avoids_even_faint_glyph_paint():
    glyphs = np.full((100, 8, 8), 0.1, dtype=np.float32)  # faint paint over the whole box ...
    glyphs[:, 0, 0] = glyphs[:, -1, -1] = 1.0  # ... whose corners mark it in the mask
    result = composite_glyphs(
        glyphs,
        np.arange(100) % K,
        num_classes=K,
        rng=np.random.default_rng(3),
        glyph_size=8,
        decoy="correlated",
    )
    for mask, decoy_mask in zip(result.masks, result.decoy_masks):
        rows, cols = _bbox(mask)
        assert decoy_mask.sum() == 25 and not decoy_mask[rows, cols].any()


def test_correlated_decoy_colour_identifies_the_class():
    result, labels = _composite(n=400, decoy="correlated")
    assert (_decoy_classes(result) == labels).all()


def test_random_decoy_colour_is_at_chance():
    result, labels = _composite(n=2000, decoy="random")
    assert abs((_decoy_classes(result) == labels).mean() - 1 / K) < 0.03


def test_no_decoy():
    result, _ = _composite(n=50, decoy="none")
    assert not result.decoy_masks.any()


@pytest.mark.parametrize("probability", [0.0, 0.5])
def test_decoy_probability(probability):
    result, _ = _composite(n=1000, decoy="correlated", decoy_probability=probability)
    present = result.decoy_masks.any(axis=(1, 2)).mean()
    assert abs(present - probability) < 0.05


def test_same_seed_same_images_other_seed_other_images():
    first, _ = _composite(n=40, seed=5, decoy="correlated")
    again, _ = _composite(n=40, seed=5, decoy="correlated")
    other, _ = _composite(n=40, seed=6, decoy="correlated")
    for field in ("images", "masks", "decoy_masks"):
        np.testing.assert_array_equal(getattr(first, field), getattr(again, field))
    assert not np.array_equal(first.images, other.images)
    assert not np.array_equal(first.decoy_masks, other.decoy_masks)


def test_class_palette_is_exact_and_well_separated():
    palette = class_palette(K)
    assert palette.shape == (K, 3)
    np.testing.assert_array_equal(np.round(palette * 255) / 255, palette)
    distances = np.linalg.norm(palette[:, None] - palette[None], axis=2)
    assert distances[~np.eye(K, dtype=bool)].min() > 0.35


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"decoy": "sometimes"}, "decoy"),
        ({"decoy": "correlated", "decoy_size": 7}, "decoy_size"),
        ({"decoy": "correlated", "decoy_probability": 1.5}, "decoy_probability"),
        ({"glyph_size": 40}, "glyph_size"),
        ({"mask_threshold": 0.0}, "mask_threshold"),
        ({"num_classes": 3}, "labels"),
    ],
)
def test_invalid_parameters_are_named(kwargs, parameter):
    with pytest.raises(ValueError, match=parameter):
        _composite(n=10, **kwargs)


def test_glyphs_outside_unit_range_are_rejected():
    with pytest.raises(ValueError, match="glyphs"):
        composite_glyphs(
            np.full((2, 8, 8), 16.0),
            np.zeros(2, dtype=int),
            num_classes=1,
            rng=np.random.default_rng(0),
        )


def test_textures_load_offline_and_are_cached():
    for name in TEXTURE_NAMES:
        texture = load_texture(name)
        assert texture.dtype == np.float32 and texture.ndim == 2
        assert texture.min() >= 0 and texture.max() <= 1
        assert load_texture(name) is texture
    with pytest.raises(ValueError, match="name"):
        load_texture("marble")


def test_texture_crops():
    crops = random_texture_crops(30, 32, np.random.default_rng(0))
    assert crops.shape == (30, 32, 32, 3) and crops.dtype == np.float32
    assert crops.min() >= 0 and crops.max() <= 1
    assert crops.std(axis=(1, 2)).mean() > 0.01  # textured, not flat
    np.testing.assert_array_equal(crops, random_texture_crops(30, 32, np.random.default_rng(0)))
    assert random_texture_crops(2, 300, np.random.default_rng(0)).shape == (2, 300, 300, 3)
    with pytest.raises(ValueError, match="size"):
        random_texture_crops(1, 4096, np.random.default_rng(0))


@pytest.mark.parametrize("decoy", ["none", "correlated", "random"])
def test_chunked_and_spilled_compositing_gives_the_same_bytes(decoy):
    """Painting a few images at a time, into temporary files, changes nothing."""
    whole, _ = _composite(n=50, decoy=decoy)
    for options in ({"chunk": 1}, {"chunk": 7}, {"chunk": 7, "memory_budget_mb": 1e-4}):
        part, _ = _composite(n=50, decoy=decoy, **options)
        for name in ("images", "masks", "decoy_masks", "undecorated"):
            np.testing.assert_array_equal(getattr(part, name), getattr(whole, name), err_msg=f"{name} with {options}")
    spilled, _ = _composite(n=50, decoy=decoy, memory_budget_mb=1e-4)
    assert mapping_of(spilled.images) is not None and mapping_of(whole.images) is None


def test_rows_composite_those_glyphs_in_that_order():
    glyphs, labels = _glyphs(30)
    rows = np.array([5, 3, 3, 29, 0])
    options = {"num_classes": K, "image_size": 32, "glyph_size": 20, "decoy_size": 5}
    picked = composite_glyphs(glyphs, labels[rows], rng=np.random.default_rng(1), rows=rows, **options)
    gathered = composite_glyphs(glyphs[rows], labels[rows], rng=np.random.default_rng(1), **options)
    np.testing.assert_array_equal(picked.images, gathered.images)
    np.testing.assert_array_equal(picked.masks, gathered.masks)
