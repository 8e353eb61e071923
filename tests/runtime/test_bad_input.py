"""Bad input ends in a clear error or is reported — never an internal crash or a wrong number."""

from __future__ import annotations

import io
import json
import math
import os
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from pydantic import ValidationError

from trustcnn.config import BaselineConfig, DataConfig, EvaluationConfig, ModelConfig
from trustcnn.data import stratified_split
from trustcnn.data.image_folder import load_image_folder
from trustcnn.metrics import energy_in_mask, mean_ci, pointing_game, thresholded_iou
from trustcnn.parameters import check_known_parameters
from trustcnn.storage import JSONDataset, TorchDataset


def test_unknown_top_level_parameter_is_named_with_a_suggestion() -> None:
    with pytest.raises(ValueError, match=r"unknown parameter\(s\) 'baselin' \(did you mean 'baseline'\?\)"):
        check_known_parameters({"baselin": {"lr": 0.1}, "baseline": {}, "_defaults": {}}, {"baseline", "data"})
    check_known_parameters({"baseline": {}, "_defaults": {}}, {"baseline"})


@pytest.mark.parametrize(
    "model, values, message",
    [
        (BaselineConfig, {"lr": math.inf}, "finite"),
        (BaselineConfig, {"lr": math.nan}, "finite"),
        (DataConfig, {"classes": [3]}, "at least 2"),
        (DataConfig, {"classes": [3, 3]}, "distinct"),
        (DataConfig, {"seed": -1}, "greater than or equal to 0"),
        (EvaluationConfig, {"n_resamples": 10_000_000}, "less than or equal to 100000"),
    ],
)
def test_parameters_out_of_bounds_are_refused(model, values: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        model(**values)


def test_backbone_weights_are_loaded_and_checked_at_validation(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="/etc/passwd cannot be read as a torch checkpoint"):
        ModelConfig(backbone_weights="/etc/passwd")
    not_weights = tmp_path / "list.pt"
    torch.save([1, 2, 3], not_weights)
    with pytest.raises(ValidationError, match="holds no state dict"):
        ModelConfig(backbone_weights=str(not_weights))
    good = tmp_path / "good.pt"
    torch.save({"w": torch.zeros(2)}, good)
    assert ModelConfig(backbone_weights=str(good)).backbone_weights == str(good)


def test_a_class_too_small_for_a_split_is_named_with_the_parameter() -> None:
    labels = np.array([0] * 40 + [1] * 3)
    with pytest.raises(ValueError, match=r"class 'cat' has 3 image\(s\): data.test_fraction = 0.25 gives it 0.75"):
        stratified_split(labels, val_fraction=0.15, test_fraction=0.25, seed=0, class_names=("dog", "cat"))
    with pytest.raises(ValueError, match="at least two classes"):
        stratified_split(np.zeros(20, int), val_fraction=0.15, test_fraction=0.25, seed=0)


def test_empty_masks_give_nan_and_a_count_not_zero() -> None:
    maps = np.random.default_rng(0).random((3, 4, 4))
    masks = np.zeros((3, 4, 4), bool)
    masks[0, :2] = True
    for values in (energy_in_mask(maps, masks), pointing_game(maps, masks), thresholded_iou(maps, masks, 0.5)):
        assert np.isfinite(values[0]) and np.isnan(values[1:]).all()
    estimate = mean_ci(energy_in_mask(maps, masks), n_resamples=50, seed=0)
    assert estimate["n"] == 1 and estimate["n_nan"] == 2
    everything_empty = mean_ci(energy_in_mask(maps, np.zeros_like(masks)), n_resamples=50, seed=0)
    assert everything_empty["value"] is None and everything_empty["n_nan"] == 3


def test_json_outputs_are_standard_json(tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    JSONDataset(str(path)).save({"loss": [1.0, math.nan, math.inf], "nested": {"x": -math.inf}})
    strict = json.loads(path.read_text(), parse_constant=lambda name: pytest.fail(f"non-standard JSON constant {name}"))
    assert strict == {"loss": [1.0, None, None], "nested": {"x": None}}


def test_identical_checkpoints_are_byte_identical_wherever_they_are_written(tmp_path: Path) -> None:
    checkpoint = {"state_dict": {"w": torch.arange(6.0)}, "class_names": ["a", "b"]}
    TorchDataset(str(tmp_path / "one" / "model.pt")).save(checkpoint)
    TorchDataset(str(tmp_path / "two" / "other.pt")).save(checkpoint)
    assert (tmp_path / "one" / "model.pt").read_bytes() == (tmp_path / "two" / "other.pt").read_bytes()
    assert torch.equal(torch.load(io.BytesIO((tmp_path / "one" / "model.pt").read_bytes()))["state_dict"]["w"], torch.arange(6.0))


def _png(path: Path, value: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((8, 8, 3), value, np.uint8)).save(path)


def _folder(root: Path) -> Path:
    for name, base in (("cat", 10), ("dog", 100)):
        for i in range(3):
            _png(root / name / f"{i}.png", base + i)
    return root


def _reasons(load) -> dict[str, str]:
    return {s.path: s.reason for s in load.skipped}


def test_unreadable_and_special_files_are_reported_with_their_reason(tmp_path: Path) -> None:
    root = _folder(tmp_path / "photos")
    (root / "cat" / "loop.png").symlink_to(root / "cat" / "loop.png")
    (root / "cat" / "broken.png").symlink_to(root / "nowhere.png")
    os.mkfifo(root / "cat" / "pipe.png")
    (root / "dog" / "random.png").symlink_to("/dev/urandom")
    load = load_image_folder(root, image_size=8)
    reasons = _reasons(load)
    assert reasons["cat/loop.png"] == "cannot read: Too many levels of symbolic links"
    assert reasons["cat/broken.png"] == "cannot read: No such file or directory"
    assert reasons["cat/pipe.png"] == "not a regular file (a FIFO)"
    assert reasons["dog/random.png"] == "not a regular file (a character device)"
    assert len(load.images) == 6


def test_names_that_are_not_utf8_are_kept_rendered_safely_and_reported(tmp_path: Path) -> None:
    root = _folder(tmp_path / "photos")
    bad_class = os.fsdecode(b"caf\xe9")  # Latin-1 bytes, not UTF-8
    for i in range(3):
        _png(root / bad_class / f"{i}.png", 200 + i)
    _png(root / "cat" / os.fsdecode(b"\xff.png"), 50)
    load = load_image_folder(root, image_size=8)
    assert load.images.class_names == ("caf\ufffd", "cat", "dog")
    reasons = _reasons(load)
    assert reasons["caf\ufffd/"].startswith("kept; the name is not valid UTF-8")
    assert reasons["cat/\ufffd.png"].startswith("kept; the name is not valid UTF-8")
    assert len(load.images) == 10
    "\n".join(reasons).encode("utf-8")  # printable: what crashed the report writer


def test_an_image_in_two_classes_is_a_label_conflict_left_out(tmp_path: Path) -> None:
    root = _folder(tmp_path / "photos")
    _png(root / "dog" / "same.png", 11)  # identical to cat/1.png
    load = load_image_folder(root, image_size=8)
    reasons = _reasons(load)
    assert reasons["cat/1.png"] == "label conflict: the same image is also in class(es) ['dog']; left out"
    assert reasons["dog/same.png"] == "label conflict: the same image is also in class(es) ['cat']; left out"
    assert len(load.images) == 5


def test_an_empty_mask_is_reported(tmp_path: Path) -> None:
    root, masks = _folder(tmp_path / "photos"), tmp_path / "masks"
    for name in ("cat", "dog"):
        for i in range(3):
            mask = np.zeros((8, 8), np.uint8)
            if (name, i) != ("dog", 2):
                mask[2:6, 2:6] = 255
            (masks / name).mkdir(parents=True, exist_ok=True)
            Image.fromarray(mask).save(masks / name / f"{i}.png")
    load = load_image_folder(root, image_size=8, masks_root=masks)
    assert _reasons(load) == {"dog/2.png": "kept; its mask has no object pixel, so localisation metrics leave it out (NaN)"}
