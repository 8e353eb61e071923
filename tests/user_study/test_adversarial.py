"""Adversarial items in a study: attacked images, every compared model's map, still blinded."""

from __future__ import annotations

import json

import numpy as np
import torch

from tests.user_study.conftest import MODELS, synthetic
from trustcnn.config import ModelConfig, RobustnessConfig
from trustcnn.models import build_model, to_checkpoint
from trustcnn.user_study.adversarial import adversarial_shown
from trustcnn.user_study.package import build_package


def _checkpoints() -> dict[str, dict]:
    config = ModelConfig(width=4, new_channels=8)
    checkpoints = {}
    for seed, name in enumerate(MODELS):
        torch.manual_seed(seed)
        checkpoints[name] = to_checkpoint(build_model(config, 4, [0.5] * 3, [0.25] * 3), config, ("0", "1", "2", "3"))
    return checkpoints


def test_attacked_images_stay_in_the_ball_with_each_models_map() -> None:
    test = synthetic(n=40)[0]
    robustness = RobustnessConfig(pgd_eps_255=[8], pgd_steps=2)
    shown = adversarial_shown(
        test,
        _checkpoints(),
        list(MODELS),
        "baseline",
        n_images=5,
        robustness=robustness,
        method="gradcam",
        seed=0,
        accurate_energy=0.5,
    )
    assert shown.adversarial and len(shown) == 5 and len(set(shown.test_index.tolist())) == 5
    original = test.images[shown.test_index].astype(int)
    change = np.abs(shown.images.images.astype(int) - original)
    assert 0 < change.max() <= 9  # ε = 8 grey levels, plus rounding
    np.testing.assert_array_equal(shown.images.labels, test.labels[shown.test_index])
    assert set(shown.maps) == set(MODELS) and shown.maps["baseline"].shape[0] == 5
    assert set(shown.accurate) == set(MODELS)


def test_package_shows_them_among_the_others_without_saying_which() -> None:
    test, maps, predictions, accurate = synthetic()
    robustness = RobustnessConfig(pgd_eps_255=[8], pgd_steps=1)
    shown = adversarial_shown(
        test,
        _checkpoints(),
        list(MODELS),
        "trust_mask",
        n_images=4,
        robustness=robustness,
        method="gradcam",
        seed=0,
        accurate_energy=0.5,
    )
    package = build_package(test, maps, predictions, accurate, n_images=10, seed=0, image_px=64, method="gradcam", adversarial=shown)
    assert len(package.manifest["items"]) == 14
    flags = [item["adversarial"] for item in package.key["items"].values()]
    assert sum(flags) == 4
    assert "adversarial" not in json.dumps(package.manifest) and "attack" not in json.dumps(package.manifest)
    plain = build_package(test, maps, predictions, accurate, n_images=10, seed=0, image_px=64, method="gradcam")
    clean_indices = sorted(i["test_index"] for i in package.key["items"].values() if not i["adversarial"])
    assert clean_indices == sorted(i["test_index"] for i in plain.key["items"].values())
