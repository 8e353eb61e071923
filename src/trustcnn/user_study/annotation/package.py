"""The annotation package: training images people mark, each with one model's map, blinded.

Like the user study's package (:mod:`trustcnn.user_study.package`, whose writer and content hash
it shares) it holds ``manifest.json`` and PNG files with random names, and names no model
and no method; its key, written apart and never served, maps each item back to its image
(``split``, ``index``) and says which model's map was shown and why the image was chosen.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from trustcnn.batches import SplitData, default_device
from trustcnn.config import AnnotationConfig, ErrorDetectionConfig, SaliencyConfig
from trustcnn.data import ImageSet
from trustcnn.error_detection import Detectors, Features, fit_detectors, prediction_features
from trustcnn.error_detection.detectors import LEARNT, too_few
from trustcnn.metrics import energy_in_mask
from trustcnn.models import SplitNet, from_checkpoint
from trustcnn.posthoc import probabilities, saliency_maps
from trustcnn.saliency import upsample_array
from trustcnn.user_study.annotation.grid import Grid
from trustcnn.user_study.annotation.sample import choose_images
from trustcnn.user_study.package import StudyPackage, _digest
from trustcnn.user_study.questions import ANSWERS, BACKGROUND_QUESTIONS
from trustcnn.user_study.render import overlay, png
from trustcnn.user_study.sample import stratified_sample

TASK = "annotation"
SPLIT = "train"
QUESTIONS = {
    "avoid": "Mark every part of this image the model should not use to recognise the {true_class}.",
    "object": "Mark the {true_class}: the parts of this image the model should use to recognise it.",
}
HINTS = {
    "avoid": "The coloured map shows where the model looks. Mark what has nothing to do with the {true_class} — "
    "a patch, a stamp, the background — if the model might rely on it. If nothing should be avoided, save without marking.",
    "object": "The coloured map shows where the model looks. Mark the cells the {true_class} covers.",
}


def build_annotation_package(
    images: ImageSet,
    index: np.ndarray,
    maps: np.ndarray,
    predicted: np.ndarray,
    scores: np.ndarray | None,
    config: AnnotationConfig,
    grid: Grid,
) -> StudyPackage:
    """One item per image of ``images`` (rows ``index`` of the training split) with its
    input and ``maps`` (any resolution) over it, in a seeded random order under random names."""
    rng = np.random.default_rng(config.seed)
    files: dict[str, bytes] = {}
    items, key_items = [], {}
    for r in rng.permutation(len(images)):
        image = images.images[r]
        item_id, input_name, map_name = rng.bytes(5).hex(), f"images/{rng.bytes(8).hex()}.png", f"images/{rng.bytes(8).hex()}.png"
        files[input_name] = png(image, config.image_px)
        files[map_name] = png(overlay(image, upsample_array(maps[r : r + 1], image.shape[:2])[0]), config.image_px)
        true_class = images.class_names[images.labels[r]]
        items.append({"item_id": item_id, "true_class": true_class, "input": input_name, "map": map_name})
        key_items[item_id] = {
            "split": SPLIT,
            "index": int(index[r]),
            "label": int(images.labels[r]),
            "true_class": true_class,
            "predicted": int(predicted[r]),
            "score": None if scores is None else float(scores[r]),
        }
    manifest = {
        "task": TASK,
        "kind": config.kind,
        "question": QUESTIONS[config.kind],
        "hint": HINTS[config.kind],
        "background_questions": BACKGROUND_QUESTIONS,
        "answers": list(ANSWERS),
        **grid.to_manifest(),
        "items": items,
    }
    study_id = _digest(manifest, files)
    manifest = {"study_id": study_id, **manifest}
    key = {
        "study_id": study_id,
        "task": TASK,
        "model": config.model,
        "method": config.method,
        "strategy": config.strategy,
        "detector": config.detector if config.strategy == "suspicious" else None,
        "seed": config.seed,
        "kind": config.kind,
        **grid.to_manifest(),
        "items": key_items,
    }
    return StudyPackage(manifest, files, key)


def annotation_package(
    train: ImageSet,
    checkpoints: Mapping[str, dict],
    detection: Mapping[str, Mapping[str, np.ndarray]],
    config: AnnotationConfig,
    *,
    saliency: SaliencyConfig,
    error_detection: ErrorDetectionConfig,
) -> StudyPackage:
    """The package for ``config``: ``checkpoints`` and stored error-detection features
    (``detection``) keyed by model; every input checked before any work."""
    if config.model not in checkpoints:
        raise ValueError(f"annotation.model {config.model!r} was not trained; choose one of {sorted(checkpoints)}")
    grid = Grid.over(train.images.shape[1], train.images.shape[2], config.grid)
    if config.strategy == "outside_mask" and train.masks is None:
        raise ValueError("annotation.strategy 'outside_mask' needs object masks, and this data has none: use 'random' or 'suspicious'")
    detectors = _detectors(detection[config.model], config, error_detection) if config.strategy == "suspicious" else None
    model = from_checkpoint(checkpoints[config.model]).to(default_device())
    pool = np.arange(len(train)) if config.pool is None else stratified_sample(train.labels, config.pool, config.seed)
    candidates = train.subset(pool)
    scores: np.ndarray | None
    if config.strategy == "outside_mask":
        assert candidates.masks is not None  # checked above
        scores = 1.0 - energy_in_mask(_maps(model, candidates, config, saliency, candidates.images.shape[1:3]), candidates.masks)
    elif detectors is not None:
        scores = detectors.scores(prediction_features(model, candidates, candidates.labels, error_detection))[config.detector]
    else:
        scores = None
    chosen = choose_images(candidates.labels, scores, config.n_images, config.seed)
    shown = candidates.subset(chosen)
    predicted = probabilities(model, SplitData.of(shown), saliency.batch_size).argmax(axis=1)
    return build_annotation_package(
        shown,
        pool[chosen],
        _maps(model, shown, config, saliency),
        predicted,
        None if scores is None else scores[chosen],
        config,
        grid,
    )


def _maps(
    model: SplitNet, images: ImageSet, config: AnnotationConfig, saliency: SaliencyConfig, size: tuple[int, int] | None = None
) -> np.ndarray:
    """``config.method``'s maps of ``model`` for ``images`` (at ``size`` when given)."""
    maps = saliency_maps(model, SplitData.of(images), config.method, saliency.batch_size, memory_budget_mb=saliency.memory_budget_mb)
    return maps if size is None else upsample_array(maps, size)


def _detectors(stored: Mapping[str, np.ndarray], config: AnnotationConfig, error_detection: ErrorDetectionConfig) -> Detectors:
    """The detectors that rank images for ``suspicious``: the learnt ones fitted on the stored
    features of the split ``error_detection.fit_on`` names (an error before any work when they can't be)."""
    if config.detector not in LEARNT:
        return Detectors(None, None)
    split = "val" if error_detection.fit_on == "val" else "test"
    features = Features.from_arrays(dict(stored), split)
    if (note := too_few(features.wrong)) is not None:
        raise ValueError(
            f"annotation.detector {config.detector!r} is fitted on {split} predictions, which have {note}: use 'max_softmax' or 'stability'"
        )
    return fit_detectors(features, error_detection.seed)
