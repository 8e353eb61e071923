"""A self-contained, blinded study package, and its unblinding key kept apart.

The package is what the study server may serve: ``manifest.json`` and PNG files with opaque
names. Nothing in it names a model — each item's maps are options with random ids, in an
order shuffled per item. The key, written elsewhere, maps the option ids back to models and
holds what the analysis needs about each item (the models' predictions and the automatic,
mask-based verdicts).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np

from trustcnn.config import UserStudyConfig
from trustcnn.data import ImageSet
from trustcnn.runtime.errors import ParameterError
from trustcnn.runtime.journal import active
from trustcnn.saliency import upsample_array
from trustcnn.user_study.criticism import criticism_block
from trustcnn.user_study.questions import ANSWERS, BACKGROUND_QUESTIONS, EXTRA_CHOICES, MANIFEST, QUESTION
from trustcnn.user_study.render import overlay, png
from trustcnn.user_study.sample import case_codes, joint_strata, stratified_sample

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StudyPackage:
    """``manifest`` and ``files`` (relative path → bytes) are served; ``key`` never is."""

    manifest: dict
    files: dict[str, bytes]
    key: dict


@dataclass(frozen=True)
class Shown:
    """Images a study can show, each with every compared model's map (any resolution),
    whether it predicted right and the automatic verdict (``None`` without masks);
    ``test_index`` is each image's row in the test split, ``adversarial`` marks attacked images."""

    images: ImageSet
    maps: Mapping[str, np.ndarray]
    correct: Mapping[str, np.ndarray]
    accurate: Mapping[str, np.ndarray] | None
    test_index: np.ndarray
    adversarial: bool = False

    def __len__(self) -> int:
        return len(self.test_index)


def build_package(
    test: ImageSet,
    maps: Mapping[str, np.ndarray],
    predictions: Mapping[str, np.ndarray],
    accurate: Mapping[str, np.ndarray] | None,
    *,
    n_images: int,
    seed: int,
    image_px: int,
    method: str,
    adversarial: Shown | None = None,
    criticism: Callable[..., tuple[dict, dict]] | None = None,
) -> StudyPackage:
    """``n_images`` test images, stratified over the compared models' automatic cases (over
    right/wrong only without masks, ``accurate=None``), plus any ``adversarial`` images; for
    each, the input and one overlay per model (``maps`` keyed by model, at any resolution),
    blinded, in one shuffled order. ``criticism(rng=…, files=…)`` adds the criticism block after
    them (:func:`trustcnn.user_study.criticism.criticism_block`: its manifest and key parts)."""
    models = list(maps)
    correct = {m: predictions[m] == test.labels for m in models}
    verdicts = accurate if accurate is not None else {m: np.ones(len(test), bool) for m in models}
    chosen = stratified_sample(joint_strata({m: case_codes(correct[m], verdicts[m]) for m in models}), n_images, seed)
    clean = Shown(
        test.subset(chosen),
        {m: maps[m][chosen] for m in models},
        {m: correct[m][chosen] for m in models},
        None if accurate is None else {m: accurate[m][chosen] for m in models},
        chosen,
    )
    parts = [clean] if adversarial is None else [clean, adversarial]
    rows = [(part, r) for part in parts for r in range(len(part))]
    rng = np.random.default_rng(seed)
    files: dict[str, bytes] = {}
    items, key_items = [], {}
    for row in rng.permutation(len(rows)):
        part, r = rows[row]
        item, key_item = _blinded_item(part, r, models, rng, image_px, files)
        items.append(item)
        key_items[item["item_id"]] = key_item
    block = None if criticism is None else criticism(rng=rng, files=files)
    manifest = {
        "question": QUESTION,
        "extra_choices": EXTRA_CHOICES,
        "background_questions": BACKGROUND_QUESTIONS,
        "answers": list(ANSWERS),
        "items": items,
        **({} if block is None else {"criticism": block[0]}),
    }
    study_id = _digest(manifest, files)
    manifest = {"study_id": study_id, **manifest}
    key = {"study_id": study_id, "method": method, "models": models, "seed": seed, "items": key_items}
    if block is not None:
        key["criticism"] = block[1]
    return StudyPackage(manifest, files, key)


def _blinded_item(
    part: Shown, r: int, models: Sequence[str], rng: np.random.Generator, image_px: int, files: dict[str, bytes]
) -> tuple[dict, dict]:
    """One item: its input and one overlay per model under random names (added to ``files``),
    in a random order; returns what participants see and the key's entry for it."""
    image = part.images.images[r]
    item_id, input_name = rng.bytes(5).hex(), f"images/{rng.bytes(8).hex()}.png"
    files[input_name] = png(image, image_px)
    options, owners = [], {}
    for model in rng.permutation(models):
        option_id, name = rng.bytes(5).hex(), f"images/{rng.bytes(8).hex()}.png"
        heatmap = upsample_array(part.maps[model][r : r + 1], image.shape[:2])[0]
        files[name] = png(overlay(image, heatmap), image_px)
        options.append({"option_id": option_id, "image": name})
        owners[option_id] = str(model)
    true_class = part.images.class_names[part.images.labels[r]]
    key_item = {
        "test_index": int(part.test_index[r]),
        "adversarial": part.adversarial,
        "true_class": true_class,
        "options": owners,
        "correct": {m: bool(part.correct[m][r]) for m in models},
        "automatic_accurate": None if part.accurate is None else {m: bool(part.accurate[m][r]) for m in models},
    }
    return {"item_id": item_id, "true_class": true_class, "input": input_name, "options": options}, key_item


def compared_models(requested: Sequence[str], champion: str, available: Sequence[str], parameter: str = "user_study.models") -> list[str]:
    """``requested`` with ``champion`` resolved to the evaluation's pick, each model once."""
    names = list(dict.fromkeys(champion if name == "champion" else name for name in requested))
    unknown = [name for name in names if name not in available]
    if unknown:
        raise ParameterError(f"{parameter} names {unknown}, which were not trained; choose from {list(available)} or 'champion'")
    if len(names) < len(requested):
        log.warning("user_study.models %s name the same model twice (the champion is %s): showing %s", list(requested), champion, names)
    return names


def study_package(
    test: ImageSet,
    maps: Mapping[str, Mapping[str, np.ndarray]],
    predictions: Mapping[str, Mapping[str, np.ndarray]],
    scores: Mapping[str, Mapping[str, np.ndarray]],
    config: UserStudyConfig,
    *,
    champion: str,
    accurate_energy: float,
    adversarial: Callable[[list[str], str], Shown] | None = None,
    criticism: Mapping[str, Mapping] | None = None,
) -> StudyPackage:
    """:func:`build_package` for the models ``config.models`` names, from every model's
    stored outputs (maps, predictions, per-image scores keyed by model); with
    ``config.adversarial_images``, plus ``adversarial(models, against)``'s attacked images;
    with ``config.criticism``, plus the criticism block of ``criticism`` (each model's report)."""
    models = compared_models(config.models, champion, list(maps))
    missing = [m for m in models if config.method not in maps[m]]
    if missing:
        raise ParameterError(f"user_study.method {config.method!r} was not computed for {missing}: add it to saliency.extra_methods")
    energy = f"{config.method}.energy_in_mask"
    accurate = None if test.masks is None else {m: scores[m][energy] >= accurate_energy for m in models}
    extra = None
    if config.adversarial_images:
        if adversarial is None:
            raise ParameterError("user_study.adversarial_images needs the trained models to attack")
        (against,) = compared_models([config.adversarial_against], champion, list(maps), "user_study.adversarial_against")
        extra = adversarial(models, against)
    block = None
    if config.criticism:
        if not criticism or any(m not in criticism for m in models):
            raise ValueError("user_study.criticism needs the criticism stage's report of every compared model: run it first")
        shown = {m: maps[m][config.method] for m in models}
        block = partial(criticism_block, test, shown, criticism, models, image_px=config.image_px)
    return build_package(
        test,
        {m: maps[m][config.method] for m in models},
        {m: predictions[m]["predictions"] for m in models},
        accurate,
        n_images=config.n_images,
        seed=config.seed,
        image_px=config.image_px,
        method=config.method,
        adversarial=extra,
        criticism=block,
    )


def _digest(manifest: dict, files: Mapping[str, bytes]) -> str:
    """A short content hash: the same package always has the same study id."""
    digest = hashlib.sha256(json.dumps(manifest, sort_keys=True).encode())
    for name in sorted(files):
        digest.update(name.encode() + files[name])
    return digest.hexdigest()[:16]


def write_package(package: StudyPackage, folder: str | Path) -> None:
    """Write the manifest and files to ``folder`` all at once: into a temporary sibling
    first, then swapped in, so a half-written package is never served."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.tmp-{os.getpid()}-", dir=folder.parent))
    staging.chmod(0o755)  # mkdtemp's 0700 would keep a web server run by another user out
    try:
        (staging / MANIFEST).write_text(json.dumps(package.manifest, indent=1))
        for name, data in package.files.items():
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            (staging / name).write_bytes(data)
        retired = folder.with_name(f".{folder.name}.old")
        shutil.rmtree(retired, ignore_errors=True)
        if (journal := active()) is not None:
            journal.keep(folder)
        if folder.exists():
            folder.rename(retired)
        staging.rename(folder)
        shutil.rmtree(retired, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
