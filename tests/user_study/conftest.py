"""A small study package built from synthetic data, and a fresh answers database."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from trustcnn.data import ImageSet
from trustcnn.user_study.package import StudyPackage, build_package, write_package

MODELS = ("baseline", "trust_mask")


def synthetic(n: int = 40, seed: int = 0) -> tuple[ImageSet, dict, dict, dict]:
    rng = np.random.default_rng(seed)
    masks = np.zeros((n, 16, 16), bool)
    masks[:, 4:12, 4:12] = True
    test = ImageSet(rng.integers(0, 256, (n, 16, 16, 3), dtype=np.uint8), np.arange(n) % 4, ("0", "1", "2", "3"), masks)
    maps = {m: rng.random((n, 4, 4)).astype(np.float32) for m in MODELS}
    predictions = {m: np.where(rng.random(n) < 0.7, test.labels, (test.labels + 1) % 4) for m in MODELS}
    accurate = {m: rng.random(n) < 0.5 for m in MODELS}
    return test, maps, predictions, accurate


@pytest.fixture
def package() -> StudyPackage:
    test, maps, predictions, accurate = synthetic()
    return build_package(test, maps, predictions, accurate, n_images=10, seed=0, image_px=64, method="gradcam")


@pytest.fixture
def package_dir(package: StudyPackage, tmp_path: Path) -> Path:
    write_package(package, tmp_path / "package")
    return tmp_path / "package"
