import numpy as np
import pytest

from trustcnn.data import ImageSet, class_palette, load_digit_glyphs, make_digits, stratified_split
from trustcnn.data.glyph_task import SPLITS
from trustcnn.runtime.ondisk import mapping_of

N_DIGITS = 1797


@pytest.fixture(scope="module")
def digits() -> dict[str, ImageSet]:
    return make_digits(seed=0)


def _decoy_accuracy(images: ImageSet) -> float:
    """Accuracy of a trivial classifier reading the nearest palette colour on the decoy."""
    palette = class_palette(images.num_classes) * 255
    colours = np.array([image[mask].mean(axis=0) for image, mask in zip(images.images, images.decoy_masks)])
    guesses = np.linalg.norm(colours[:, None] - palette[None], axis=2).argmin(axis=1)
    return float((guesses == images.labels).mean())


def _glyph_shapes(images: ImageSet) -> list[bytes]:
    """Each object mask cropped to its bounding box: identifies a glyph wherever it was placed."""
    shapes = []
    for mask in images.masks:
        ys, xs = np.nonzero(mask)
        crop = mask[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
        shapes.append(crop.shape[0].to_bytes(1, "big") + np.packbits(crop).tobytes())
    return shapes


def test_load_digit_glyphs():
    glyphs, labels, names = load_digit_glyphs()
    assert glyphs.shape == (N_DIGITS, 8, 8) and glyphs.dtype == np.float32
    assert glyphs.min() == 0 and glyphs.max() == 1
    assert labels.dtype == np.int64 and set(labels) == set(range(10))
    assert names == tuple(str(d) for d in range(10))


def test_load_digit_glyphs_remaps_chosen_classes():
    all_glyphs, all_labels, _ = load_digit_glyphs()
    glyphs, labels, names = load_digit_glyphs([8, 3])
    assert names == ("8", "3")
    np.testing.assert_array_equal(glyphs, all_glyphs[np.isin(all_labels, [3, 8])])
    chosen = all_labels[np.isin(all_labels, [3, 8])]
    np.testing.assert_array_equal(labels, np.where(chosen == 8, 0, 1))


@pytest.mark.parametrize("classes", [[], [1, 1], [3, 10], [-1]])
def test_invalid_classes_are_named(classes):
    with pytest.raises(ValueError, match="classes"):
        load_digit_glyphs(classes)


def test_splits_shapes_and_types(digits):
    assert tuple(digits) == SPLITS
    assert len(digits["train"]) + len(digits["val"]) + len(digits["test"]) == N_DIGITS
    for name, images in digits.items():
        assert images.images.shape[1:] == (32, 32, 3) and images.images.dtype == np.uint8
        assert images.masks.dtype == bool and images.decoy_masks.dtype == bool
        assert images.class_names == tuple(str(d) for d in range(10))
        assert images.masks.any(axis=(1, 2)).all(), name
        assert not (images.masks & images.decoy_masks).any(), name


def test_stratified(digits):
    _, all_labels, _ = load_digit_glyphs()
    counts = np.bincount(all_labels)
    for name, fraction in (("train", 0.65), ("val", 0.15), ("test", 0.2)):
        got = np.bincount(digits[name].labels, minlength=10)
        assert np.abs(got - counts * fraction).max() <= 1, name


def test_decoy_is_a_shortcut_in_train_and_val_only(digits):
    assert _decoy_accuracy(digits["train"]) == 1.0
    assert _decoy_accuracy(digits["val"]) == 1.0
    assert _decoy_accuracy(digits["test"]) < 0.2  # chance is 0.1
    for name in ("train", "val", "test"):
        assert digits[name].decoy_masks.any(axis=(1, 2)).all()
    assert not digits["source_train"].decoy_masks.any()
    assert not digits["source_val"].decoy_masks.any()


def test_source_task_recomposites_the_train_and_val_glyphs_only(digits):
    for source, target in (("source_train", "train"), ("source_val", "val")):
        np.testing.assert_array_equal(digits[source].labels, digits[target].labels)
        assert _glyph_shapes(digits[source]) == _glyph_shapes(digits[target])
        assert not np.array_equal(digits[source].masks, digits[target].masks)  # moved
    test_shapes = set(_glyph_shapes(digits["test"]))
    source_shapes = set(_glyph_shapes(digits["source_train"]))
    source_shapes |= set(_glyph_shapes(digits["source_val"]))
    assert len(test_shapes & source_shapes) < 0.05 * len(test_shapes)  # only look-alikes


def test_without_decoy():
    digits = make_digits(classes=[0, 1], decoy=False, seed=0)
    for images in digits.values():
        assert not images.decoy_masks.any()


def test_same_seed_same_arrays_other_seed_other_arrays(digits):
    again = make_digits(seed=0)
    other = make_digits(seed=1)
    for name in SPLITS:
        for field in ("images", "labels", "masks", "decoy_masks"):
            expected, got = getattr(digits[name], field), getattr(again[name], field)
            np.testing.assert_array_equal(got, expected)
        assert not np.array_equal(digits[name].images, other[name].images)


def test_other_sizes_use_scaled_defaults():
    digits = make_digits(classes=[4, 7], image_size=48, seed=0)
    assert digits["train"].images.shape[1:3] == (48, 48)
    assert digits["train"].decoy_masks.sum(axis=(1, 2)).max() == round(48 * 5 / 32) ** 2


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"val_fraction": 0.0}, "val_fraction"),
        ({"test_fraction": 1.5}, "test_fraction"),
        ({"classes": [2, 11]}, "classes"),
        ({"decoy_size": 9}, "decoy_size"),
        ({"glyph_size": 33}, "glyph_size"),
    ],
)
def test_invalid_parameters_are_named(kwargs, parameter):
    with pytest.raises(ValueError, match=parameter):
        make_digits(seed=0, **kwargs)


def test_decoy_masks_survive_subset_and_round_trip(digits):
    train = digits["train"]
    part = train.subset(np.arange(5))
    np.testing.assert_array_equal(part.decoy_masks, train.decoy_masks[:5])
    back = ImageSet.from_arrays(part.to_arrays())
    np.testing.assert_array_equal(back.decoy_masks, part.decoy_masks)
    np.testing.assert_array_equal(back.masks, part.masks)


def test_source_classes_make_a_disjoint_source_task():
    splits = make_digits(classes=[0, 1], source_classes=[7, 8, 9], source_copies=2, seed=0)
    assert splits["train"].class_names == ("0", "1")
    assert splits["source_train"].class_names == ("7", "8", "9")
    assert not splits["source_train"].decoy_masks.any()
    labels = load_digit_glyphs([7, 8, 9])[1]
    index = stratified_split(labels, val_fraction=0.15, test_fraction=0.2, seed=0)
    assert len(splits["source_train"]) == 2 * len(index["train"])
    assert len(splits["source_val"]) == len(index["val"])
    assert set(np.unique(splits["source_val"].labels)) == {0, 1, 2}


def test_source_classes_overlapping_the_target_are_refused():
    with pytest.raises(ValueError, match="source_classes"):
        make_digits(classes=[0, 1], source_classes=[1, 2])


def test_no_decoy_twins_differ_from_train_and_val_only_on_the_decoy(digits):
    for name in ("train", "val"):
        painted, twin = digits[name], digits[f"{name}_no_decoy"]
        np.testing.assert_array_equal(twin.labels, painted.labels)
        np.testing.assert_array_equal(twin.masks, painted.masks)
        assert not twin.decoy_masks.any() and twin.decoy_palette is None
        outside = ~painted.decoy_masks
        np.testing.assert_array_equal(twin.images[outside], painted.images[outside])
        assert (twin.images != painted.images).any(axis=-1)[painted.decoy_masks].mean() > 0.9, name


def test_source_decoys_carry_the_source_class_colour_in_source_train_only():
    splits = make_digits(classes=[0, 1, 2], source_classes=[7, 8, 9], source_decoy_probability=0.5, seed=0)
    source_train = splits["source_train"]
    carries = source_train.decoy_masks.any(axis=(1, 2))
    assert 0.4 < carries.mean() < 0.6
    assert _decoy_accuracy(source_train.subset(carries)) == 1.0
    assert not splits["source_val"].decoy_masks.any()
    assert splits["test"].decoy_palette.shape == (3, 3)
    without = make_digits(classes=[0, 1, 2], source_classes=[7, 8, 9], source_decoy_probability=0.5, decoy=False, seed=0)
    assert not without["source_train"].decoy_masks.any()


def test_a_task_over_its_memory_budget_is_built_on_disk_with_the_same_arrays(digits):
    spilled = make_digits(seed=0, memory_budget_mb=0.05)
    for name in SPLITS:
        assert mapping_of(spilled[name].images) is not None, name
        for key, array in digits[name].to_arrays().items():
            np.testing.assert_array_equal(spilled[name].to_arrays()[key], array, err_msg=f"{name}.{key}")
