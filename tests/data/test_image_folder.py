from pathlib import Path

import numpy as np
import pytest
import skimage.data
from PIL import Image

from trustcnn.data.image_folder import load_image_folder
from trustcnn.data.images import center_square, find_duplicates, resize_square
from trustcnn.runtime.ondisk import mapping_of

SIZE = 32
BLUE, RED, WHITE = (0, 0, 255), (255, 0, 0), (255, 255, 255)


def _half_transparent_rgba() -> Image.Image:
    """Left half opaque blue, right half fully transparent red."""
    pixels = np.zeros((SIZE, SIZE, 4), np.uint8)
    pixels[:, : SIZE // 2] = (*BLUE, 255)
    pixels[:, SIZE // 2 :] = (*RED, 0)
    return Image.fromarray(pixels, "RGBA")


def _half_transparent_palette() -> Image.Image:
    """Palette image: index 1 (red) on the left, index 0 (transparent) on the right."""
    indices = np.zeros((SIZE, SIZE), np.uint8)
    indices[:, : SIZE // 2] = 1
    image = Image.fromarray(indices, "P")
    image.putpalette([0, 255, 0, *RED] + [0] * 762)
    image.info["transparency"] = 0
    return image


def _sixteen_bit_ramp() -> Image.Image:
    ramp = np.linspace(0, 65535, SIZE * SIZE).round().astype(np.uint16).reshape(SIZE, SIZE)
    return Image.fromarray(ramp)


def _one_bit_checkerboard() -> Image.Image:
    board = (np.indices((SIZE, SIZE)).sum(axis=0) % 2).astype(bool)
    return Image.fromarray(board)


@pytest.fixture(scope="module")
def messy_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("messy") / "images"
    cat, cup = root / "cat", root / "cup"
    cat.mkdir(parents=True)
    cup.mkdir()
    chelsea = Image.fromarray(skimage.data.chelsea())
    chelsea.save(cat / "a_chelsea.jpg", quality=95)
    chelsea.save(cat / "b_upper.JPG", quality=95)
    chelsea.convert("CMYK").save(cat / "c_cmyk.jpg", quality=95)
    Image.fromarray(skimage.data.camera()).save(cat / "d_gray.png")
    _half_transparent_rgba().save(cat / "e_rgba.png")
    palette = _half_transparent_palette()
    palette.save(cat / "f_palette.png", transparency=0)
    _sixteen_bit_ramp().save(cat / "g_sixteen.png")
    _one_bit_checkerboard().save(cat / "h_onebit.bmp")
    Image.fromarray(skimage.data.coffee()).save(cup / "coffee.png")
    full = (cat / "a_chelsea.jpg").read_bytes()
    (cat / "x_truncated.jpg").write_bytes(full[: len(full) // 2])
    coffee = cup / "coffee.png"
    (cat / "x_truncated.png").write_bytes(coffee.read_bytes()[: coffee.stat().st_size // 2])
    (cat / "x_empty.jpg").write_bytes(b"")
    (cat / "x_text.png").write_text("this is not a picture\n")
    (cat / "x_notes.txt").write_text("notes\n")
    (cat / ".hidden.jpg").write_bytes(full)
    Image.fromarray(skimage.data.astronaut()).save(cup / "astronaut.jpeg")
    (root / "README.md").write_text("stray\n")
    (root / ".cache").mkdir()
    return root


@pytest.fixture(scope="module")
def messy(messy_root: Path):
    return load_image_folder(messy_root, image_size=SIZE)


def _image(load, name: str) -> np.ndarray:
    return load.images.images[load.paths.index(name)]


def test_bad_files_are_skipped_with_precise_reasons(messy):
    reasons = {s.path: s.reason for s in messy.skipped}
    assert set(reasons) == {
        "README.md",
        "cat/x_empty.jpg",
        "cat/x_notes.txt",
        "cat/x_text.png",
        "cat/x_truncated.jpg",
        "cat/x_truncated.png",
    }
    assert reasons["README.md"] == "not inside a class folder"
    assert reasons["cat/x_empty.jpg"] == "empty file"
    assert reasons["cat/x_notes.txt"] == "not an image extension"
    assert reasons["cat/x_text.png"].startswith("cannot identify image file")
    assert reasons["cat/x_truncated.jpg"].startswith("truncated image: ")
    assert reasons["cat/x_truncated.png"].startswith("truncated image: ")


def test_valid_files_are_kept_in_sorted_order_as_uint8_rgb(messy):
    assert messy.images.class_names == ("cat", "cup")
    assert messy.paths == (
        "cat/a_chelsea.jpg",
        "cat/b_upper.JPG",
        "cat/c_cmyk.jpg",
        "cat/d_gray.png",
        "cat/e_rgba.png",
        "cat/f_palette.png",
        "cat/g_sixteen.png",
        "cat/h_onebit.bmp",
        "cup/astronaut.jpeg",
        "cup/coffee.png",
    )
    assert messy.images.labels.tolist() == [0] * 8 + [1] * 2
    assert messy.images.images.shape == (10, SIZE, SIZE, 3)
    assert messy.images.images.dtype == np.uint8
    assert messy.images.masks is None


def test_load_is_deterministic(messy_root, messy):
    again = load_image_folder(messy_root, image_size=SIZE)
    assert again.paths == messy.paths and again.skipped == messy.skipped
    np.testing.assert_array_equal(again.images.images, messy.images.images)


def test_modes_are_converted_to_rgb(messy):
    rgb = _image(messy, "cat/a_chelsea.jpg").astype(int)
    assert np.abs(_image(messy, "cat/c_cmyk.jpg").astype(int) - rgb).mean() < 8
    gray = _image(messy, "cat/d_gray.png")
    assert (gray[..., 0] == gray[..., 1]).all() and (gray[..., 1] == gray[..., 2]).all()
    onebit = _image(messy, "cat/h_onebit.bmp")
    assert set(np.unique(onebit).tolist()) == {0, 255}


@pytest.mark.parametrize(("name", "opaque"), [("cat/e_rgba.png", BLUE), ("cat/f_palette.png", RED)])
def test_transparency_is_composited_onto_white(messy, name, opaque):
    image = _image(messy, name)
    assert (image[:, : SIZE // 2] == opaque).all()
    assert (image[:, SIZE // 2 :] == WHITE).all()


def test_sixteen_bit_is_scaled_over_its_full_range_not_clipped(messy):
    ramp = _image(messy, "cat/g_sixteen.png")[..., 0].ravel()
    assert ramp.min() == 0 and ramp.max() == 255
    assert (np.diff(ramp.astype(int)) >= 0).all()
    assert abs(int(np.median(ramp)) - 128) <= 1


def test_non_square_images_are_center_cropped(tmp_path):
    left_red_middle_blue = np.zeros((20, 60, 3), np.uint8)
    left_red_middle_blue[:, :20] = RED
    left_red_middle_blue[:, 20:40] = BLUE
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
    Image.fromarray(left_red_middle_blue).save(tmp_path / "a" / "wide.png")
    Image.fromarray(np.full((20, 20, 3), RED, np.uint8)).save(tmp_path / "b" / "red.png")
    load = load_image_folder(tmp_path, image_size=10)
    assert (load.images.images[load.images.labels == 0] == BLUE).all()


def _write_masked_folder(root: Path, masks: Path) -> list[np.ndarray]:
    """Two classes of 64x48 images, bright where their mask is on; returns the masks."""
    written = []
    for label, name in enumerate(("circle", "square")):
        for index in range(2):
            image = np.full((48, 64, 3), 20, np.uint8)
            on = np.zeros((48, 64), bool)
            top, left = 8 + 4 * index, 16 + 8 * label
            on[top : top + 16, left : left + 24] = True
            image[on] = 230
            (root / name).mkdir(parents=True, exist_ok=True)
            (masks / name).mkdir(parents=True, exist_ok=True)
            Image.fromarray(image).save(root / name / f"img{index}.jpg", quality=98)
            mode = "1" if index else "L"
            Image.fromarray(on.astype(np.uint8) * 255).convert(mode).save(masks / name / f"img{index}.png")
            written.append(on)
    return written


def test_masks_are_loaded_and_aligned(tmp_path):
    root, masks = tmp_path / "images", tmp_path / "masks"
    written = _write_masked_folder(root, masks)
    got = load_image_folder(root, image_size=24, masks_root=masks).images
    assert got.masks is not None and got.masks.dtype == bool
    # the centred 48x48 square (columns 8..55), halved: edges fall on even pixels
    expected = np.stack([on[:, 8:56][::2, ::2] for on in written])
    np.testing.assert_array_equal(got.masks, expected)
    brightness = got.images.mean(axis=-1)
    assert brightness[got.masks].min() > 150 and brightness[~got.masks].max() < 100


def test_masks_folder_inside_root_is_not_a_class(tmp_path):
    root = tmp_path / "images"
    _write_masked_folder(root, root / "masks")
    load = load_image_folder(root, image_size=16, masks_root=root / "masks")
    assert load.images.class_names == ("circle", "square")


def test_mask_size_mismatch_names_both_files(tmp_path):
    root, masks = tmp_path / "images", tmp_path / "masks"
    _write_masked_folder(root, masks)
    bad = masks / "square" / "img1.png"
    Image.new("L", (10, 10)).save(bad)
    with pytest.raises(ValueError, match="mask") as error:
        load_image_folder(root, image_size=16, masks_root=masks)
    assert str(bad) in str(error.value)
    assert str(root / "square" / "img1.jpg") in str(error.value)


def test_missing_mask_names_the_missing_path(tmp_path):
    root, masks = tmp_path / "images", tmp_path / "masks"
    _write_masked_folder(root, masks)
    missing = masks / "circle" / "img0.png"
    missing.unlink()
    with pytest.raises(ValueError, match="missing mask") as error:
        load_image_folder(root, image_size=16, masks_root=masks)
    assert str(missing) in str(error.value)


def test_missing_root_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        load_image_folder(tmp_path / "nowhere", image_size=SIZE)


def test_fewer_than_two_classes_is_an_error(tmp_path):
    (tmp_path / "only").mkdir()
    Image.fromarray(skimage.data.coffee()).save(tmp_path / "only" / "coffee.png")
    with pytest.raises(ValueError, match="at least 2 class") as error:
        load_image_folder(tmp_path, image_size=SIZE)
    assert str(tmp_path) in str(error.value)


def test_class_without_usable_image_is_named(tmp_path):
    for name in ("good", "broken"):
        (tmp_path / name).mkdir()
    Image.fromarray(skimage.data.coffee()).save(tmp_path / "good" / "coffee.png")
    (tmp_path / "broken" / "empty.jpg").write_bytes(b"")
    (tmp_path / "broken" / "readme.txt").write_text("x")
    with pytest.raises(ValueError, match=r"class 'broken' .* no usable image \(2 file"):
        load_image_folder(tmp_path, image_size=SIZE)


def test_duplicates_across_splits_are_found(messy):
    images = messy.images.images
    splits = {
        "train": images[[0, 2, 3, 0]],  # index 3 repeats index 0 inside train
        "val": images[[4, 5]],
        "test": images[[6, 0]],
    }
    assert find_duplicates(splits) == [("train", 0, "test", 1), ("train", 3, "test", 1)]
    assert find_duplicates({"train": images[2:5], "val": images[5:8]}) == []
    # a.jpg and b.JPG hold the same bytes: a duplicate a user would want to hear about
    assert find_duplicates({"train": images[:1], "test": images[1:2]}) == [("train", 0, "test", 0)]


def test_a_folder_over_its_memory_budget_is_read_into_a_temporary_file_with_the_same_result(messy_root, messy, tmp_path):
    spilled = load_image_folder(messy_root, image_size=SIZE, memory_budget_mb=1e-3)
    assert mapping_of(spilled.images.images) is not None and mapping_of(messy.images.images) is None
    np.testing.assert_array_equal(spilled.images.images, messy.images.images)
    assert (spilled.paths, spilled.skipped) == (messy.paths, messy.skipped)
    root, masks = tmp_path / "images", tmp_path / "masks"
    _write_masked_folder(root, masks)
    in_memory, on_disk = (load_image_folder(root, image_size=24, masks_root=masks, memory_budget_mb=b) for b in (1e3, 1e-3))
    assert mapping_of(on_disk.images.masks) is not None
    np.testing.assert_array_equal(on_disk.images.masks, in_memory.images.masks)


def test_the_same_image_in_two_classes_is_left_out_in_memory_or_on_disk(tmp_path):
    root = tmp_path / "images"
    for name, pictures in {"cat": ("chelsea", "camera"), "cup": ("coffee", "chelsea")}.items():
        (root / name).mkdir(parents=True)
        for picture in pictures:
            Image.fromarray(getattr(skimage.data, picture)()).save(root / name / f"{picture}.png")
    for budget in (1e3, 1e-3):
        loaded = load_image_folder(root, image_size=SIZE, memory_budget_mb=budget)
        assert loaded.paths == ("cat/camera.png", "cup/coffee.png"), budget
        assert loaded.images.labels.tolist() == [0, 1]
        assert sorted(s.path for s in loaded.skipped if "label conflict" in s.reason) == ["cat/chelsea.png", "cup/chelsea.png"]
        np.testing.assert_array_equal(
            loaded.images.images[0], resize_square(Image.fromarray(skimage.data.camera()).convert("RGB"), center_square((512, 512)), SIZE)
        )


def test_photo_splits_follow_the_photos_onto_disk_with_the_same_arrays(tmp_path):
    from trustcnn.config import DataConfig
    from trustcnn.data.sources import load_source

    rng = np.random.default_rng(0)
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        for i in range(12):
            Image.fromarray(rng.integers(0, 256, (40, 40, 3), dtype=np.uint8)).save(tmp_path / folder / f"{i}.png")
    options = {"source": "image_folder", "root": str(tmp_path), "image_size": 16, "val_fraction": 0.25, "test_fraction": 0.25}
    in_memory, on_disk = (load_source(DataConfig(**options, memory_budget_mb=b)).splits for b in (256, 1e-3))
    assert set(on_disk) == set(in_memory)
    for name, split in on_disk.items():
        assert mapping_of(split.images) is not None and mapping_of(in_memory[name].images) is None, name
        np.testing.assert_array_equal(split.images, in_memory[name].images)
        np.testing.assert_array_equal(split.labels, in_memory[name].labels)
