"""The annotation package: blinded, seeded, stratified, and its key maps every item back to
its training image; every strategy runs on a real (small) model."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from trustcnn.config import AnnotationConfig, ErrorDetectionConfig, ModelConfig, SaliencyConfig
from trustcnn.data import ImageSet
from trustcnn.error_detection import Features
from trustcnn.models import build_model, to_checkpoint
from trustcnn.user_study.annotation.package import annotation_package

CLASSES = ("cat", "dog", "fox")
ERROR_DETECTION = ErrorDetectionConfig(conductance_steps=2, stability_samples=3)


def training_set(n: int = 36, masks: bool = True) -> ImageSet:
    rng = np.random.default_rng(0)
    objects = np.zeros((n, 32, 32), bool)
    objects[:, 8:24, 8:24] = True
    images = rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8)
    return ImageSet(images, np.arange(n) % 3, CLASSES, objects if masks else None)


@pytest.fixture(scope="module")
def checkpoints() -> dict[str, dict]:
    torch.manual_seed(0)
    config = ModelConfig(width=4, new_channels=8, backbone_weights="none")
    model = build_model(config, num_classes=3, mean=[0.5] * 3, std=[0.25] * 3)
    with torch.no_grad():
        model.head[-1].bias.zero_()
        model.head[-1].weight.mul_(50)  # predictions spread over the classes, some wrong
    return {"baseline": to_checkpoint(model, config, CLASSES), "rrr": to_checkpoint(model, config, CLASSES)}


def detection(wrong: np.ndarray) -> dict[str, dict[str, np.ndarray]]:
    rng = np.random.default_rng(1)
    n = len(wrong)
    stored = Features(rng.random((n, 8)), rng.random(n), rng.random(n), wrong)
    arrays = {**stored.to_arrays("val"), **stored.to_arrays("test")}
    return {"baseline": arrays, "rrr": arrays}


def package_for(checkpoints: dict, train: ImageSet | None = None, wrong: np.ndarray | None = None, **config):
    return annotation_package(
        training_set() if train is None else train,
        checkpoints,
        detection(np.arange(30) % 3 == 0 if wrong is None else wrong),
        AnnotationConfig(**{"n_images": 6, "image_px": 64, **config}),
        saliency=SaliencyConfig(batch_size=16),
        error_detection=ERROR_DETECTION,
    )


@pytest.mark.parametrize("strategy", ["random", "outside_mask", "suspicious"])
def test_each_strategy_gives_a_blinded_stratified_package_whose_key_finds_each_image(checkpoints, strategy: str) -> None:
    train = training_set()
    package = package_for(checkpoints, train, strategy=strategy)
    manifest, key = package.manifest, package.key
    assert manifest["task"] == key["task"] == "annotation" and manifest["study_id"] == key["study_id"]
    assert len(manifest["items"]) == 6 and set(key["items"]) == {item["item_id"] for item in manifest["items"]}
    indices = [key["items"][item["item_id"]]["index"] for item in manifest["items"]]
    assert len(set(indices)) == 6 and np.bincount(train.labels[indices]).tolist() == [2, 2, 2]
    for item in manifest["items"]:
        entry = key["items"][item["item_id"]]
        assert entry["split"] == "train" and item["true_class"] == CLASSES[train.labels[entry["index"]]]
        assert {item["input"], item["map"]} <= set(package.files)
        assert (entry["score"] is None) == (strategy == "random")
    served = json.dumps(manifest)
    assert not any(word in served for word in ("baseline", "rrr", "gradcam", strategy if strategy != "random" else "baseline"))
    assert key["model"] == "baseline" and key["strategy"] == strategy
    assert manifest["grid"] == {"rows": 8, "cols": 8} and manifest["image"] == {"height": 32, "width": 32}


def test_the_same_parameters_give_the_same_package_and_another_model_another(checkpoints) -> None:
    first, again = package_for(checkpoints), package_for(checkpoints)
    assert first.manifest == again.manifest and first.files == again.files
    assert package_for(checkpoints, seed=1).manifest["study_id"] != first.manifest["study_id"]


def test_outside_mask_picks_the_images_whose_map_is_most_outside_the_object(checkpoints) -> None:
    train = training_set()
    package = package_for(checkpoints, train, strategy="outside_mask", pool=None)
    chosen = {entry["index"]: entry["score"] for entry in package.key["items"].values()}
    all_scores = {
        e["index"]: e["score"] for e in package_for(checkpoints, train, strategy="outside_mask", n_images=36).key["items"].values()
    }
    for label in range(3):
        members = sorted((i for i in all_scores if train.labels[i] == label), key=lambda i: -all_scores[i])
        assert {i for i in chosen if train.labels[i] == label} == set(members[:2])


@pytest.mark.parametrize(
    "config, wrong, message",
    [
        ({"model": "nope"}, None, "annotation.model 'nope' was not trained; choose one of \\['baseline', 'rrr'\\]"),
        ({"grid": 5}, None, "annotation.grid=5 does not divide"),
        ({"strategy": "suspicious"}, np.zeros(30, bool), "annotation.detector 'combined' .* too few"),
    ],
)
def test_bad_parameters_are_refused_before_any_work(checkpoints, config, wrong, message) -> None:
    with pytest.raises(ValueError, match=message):
        package_for(checkpoints, wrong=wrong, **config)


def test_outside_mask_without_masks_is_refused(checkpoints) -> None:
    with pytest.raises(ValueError, match="'outside_mask' needs object masks"):
        package_for(checkpoints, training_set(masks=False), strategy="outside_mask")


def test_a_detector_that_needs_no_fitting_ranks_without_stored_errors(checkpoints) -> None:
    package = package_for(checkpoints, wrong=np.zeros(30, bool), strategy="suspicious", detector="max_softmax")
    assert package.key["detector"] == "max_softmax" and all(e["score"] is not None for e in package.key["items"].values())
