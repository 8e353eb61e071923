"""Data errors end ``kedro run`` with one line naming the file (docs/failures.md): a missing
input, an image folder that isn't one, a mask of the wrong size, a class too small to split."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from .conftest import kedro


def error_line(result) -> str:
    output = result.stdout + result.stderr
    assert result.returncode == 1, output[-3000:]
    assert "Traceback" not in output, output[-3000:]
    errors = [line for line in output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, output[-3000:]
    return errors[0]


def test_a_missing_input_names_the_file_and_the_stage_that_makes_it_before_any_work(project: Path) -> None:
    result = kedro(project, "run", "--pipelines=evaluation", "--env=smoke")
    assert error_line(result) == (
        "Error: data/envs/smoke/03_primary/test.npz does not exist: make it with `kedro run --pipelines=ingestion --env=smoke`"
    )
    assert "Loading data from" not in result.stdout + result.stderr


def test_an_image_folder_that_does_not_exist_is_named(project: Path, tmp_path: Path) -> None:
    result = kedro(project, "run", "--pipelines=ingestion", f"--params=data.source=image_folder,data.root={tmp_path / 'photos'}")
    assert error_line(result) == f"Error: image folder {tmp_path / 'photos'} does not exist or is not a directory"


def test_a_mask_of_the_wrong_size_names_both_files(project: Path, tmp_path: Path) -> None:
    photos, masks = tmp_path / "photos", tmp_path / "masks"
    for name in ("cat", "dog"):
        (photos / name).mkdir(parents=True)
        (masks / name).mkdir(parents=True)
        for i in range(4):
            Image.fromarray(np.full((40, 40, 3), 60 * i, np.uint8)).save(photos / name / f"{i}.png")
            Image.fromarray(np.full((40, 40), 255, np.uint8)).save(masks / name / f"{i}.png")
    Image.fromarray(np.full((30, 40), 255, np.uint8)).save(masks / "dog" / "2.png")
    params = f"data.source=image_folder,data.root={photos},data.masks_root={masks},data.decoy.enabled=false"
    result = kedro(project, "run", "--pipelines=ingestion", f"--params={params}")
    assert error_line(result) == (
        f"Error: mask {masks / 'dog' / '2.png'} is 40x30 but image {photos / 'dog' / '2.png'} is 40x40; a mask must have its image's size"
    )


def test_a_class_too_small_for_the_splits_names_it_and_the_parameters(project: Path) -> None:
    result = kedro(project, "run", "--pipelines=ingestion", "--env=smoke", "--params=data.max_per_class=2")
    assert error_line(result) == (
        "Error: class '0' has 2 image(s): data.test_fraction = 0.25 gives it 0.50 images in that split, less than one. "
        "Raise data.test_fraction, data.max_per_class, or add images to the class (needs ≥ 4)."
    )
