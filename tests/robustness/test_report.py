"""What an attack report says: accuracy, map movement, and whether detectors flag the images."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from trustcnn.batches import to_tensors
from trustcnn.config import ErrorDetectionConfig, RobustnessConfig
from trustcnn.data import ImageSet
from trustcnn.error_detection import Features, auroc, prediction_features
from trustcnn.robustness import attack_report, attacked, attacks, flagging, robustness

KWARGS = {"n_resamples": 50, "seed": 0}


def _test_set(n: int = 24) -> ImageSet:
    rng = np.random.default_rng(0)
    images = (rng.random((n, 32, 32, 3)) * 255 * rng.random((n, 1, 1, 3))).astype(np.uint8)
    masks = np.zeros((n, 32, 32), bool)
    masks[:, 8:24, 8:24] = True
    return ImageSet(images, rng.integers(0, 3, n), ("a", "b", "c"), masks=masks)


def test_a_vanishing_attack_changes_nothing(split_net) -> None:
    test = _test_set()
    config = RobustnessConfig(fgsm_eps_255=[1e-6], pgd_eps_255=[1e-6], pgd_steps=1, batch_size=10)
    assert [name for name, _, _ in attacks(config)] == ["fgsm_eps1e-06", "pgd_eps1e-06"]
    report, strongest = attack_report(split_net, test, config, "gradcam", **KWARGS)
    assert set(report) == {"fgsm_eps1e-06", "pgd_eps1e-06"}
    np.testing.assert_allclose(strongest, to_tensors(test).x.numpy(), atol=1e-6)
    clean_accuracy = (split_net(to_tensors(test).x).argmax(1).numpy() == test.labels).mean()
    for row in report.values():
        assert row["accuracy"]["value"] == pytest.approx(clean_accuracy)
        assert row["ssim_clean_vs_adversarial"]["value"] == pytest.approx(1.0, abs=1e-3)
        assert row["energy_in_mask_adversarial"]["value"] == pytest.approx(row["energy_in_mask_clean"]["value"], abs=1e-4)


def test_flagging_auroc_is_clean_right_against_adversarial_wrong() -> None:
    rng = np.random.default_rng(0)

    def features(n: int, wrong_share: float, softmax: float) -> Features:
        wrong = rng.random(n) < wrong_share
        return Features(rng.normal(size=(n, 3)), rng.random(n), np.full(n, softmax) + rng.normal(0, 0.01, n), wrong)

    val, clean, adversarial = features(100, 0.3, 0.9), features(60, 0.2, 0.9), features(60, 0.8, 0.6)
    report = flagging(val, clean, adversarial, ErrorDetectionConfig(folds=3), **KWARGS)
    right, wrong = ~clean.wrong, adversarial.wrong
    labels = np.r_[np.zeros(right.sum(), bool), np.ones(wrong.sum(), bool)]
    expected = auroc(labels, np.r_[1 - clean.max_softmax[right], 1 - adversarial.max_softmax[wrong]])
    assert report["max_softmax"]["auroc"]["value"] == pytest.approx(expected)
    assert report["max_softmax"]["auroc"]["value"] > 0.99  # adversarial softmax 0.6 vs clean 0.9
    assert set(report) == {"max_softmax", "stability", "conductance", "combined"}


def test_full_report_has_every_attack_and_flags_the_strongest_pgd(split_net) -> None:
    test = _test_set()
    detection = ErrorDetectionConfig(conductance_steps=2, stability_samples=2, batch_size=12)
    clean = prediction_features(split_net, test, test.labels, detection)
    config = RobustnessConfig(fgsm_eps_255=[4], pgd_eps_255=[2, 8], pgd_steps=2, batch_size=12)
    report = robustness(split_net, test, clean, clean, config, detection, "gradcam", **KWARGS)
    assert set(report) == {"fgsm_eps4", "pgd_eps2", "pgd_eps8"}
    assert "detector_auroc" in report["pgd_eps8"] and "detector_auroc" not in report["pgd_eps2"]
    assert report["pgd_eps8"]["accuracy"]["value"] <= report["pgd_eps2"]["accuracy"]["value"] + 1e-9


def test_attacks_are_seeded(split_net) -> None:
    test = _test_set(8)
    config = RobustnessConfig(fgsm_eps_255=[], pgd_eps_255=[8], pgd_steps=2, seed=3)
    first, second = (attacked(split_net, test, "pgd", 8, config, torch.Generator().manual_seed(3)) for _ in range(2))
    np.testing.assert_array_equal(first, second)
    assert np.abs(first - to_tensors(test).x.numpy()).max() <= 8 / 255 + 1e-6


def test_a_report_over_its_memory_budget_spills_and_says_the_same(split_net) -> None:
    """Clean maps and the strongest PGD's images in temporary files give the same report."""
    test = _test_set()
    detection = ErrorDetectionConfig(conductance_steps=2, stability_samples=2, batch_size=7)
    clean = prediction_features(split_net, test, test.labels, detection)
    reports = [
        robustness(
            split_net,
            test,
            clean,
            clean,
            RobustnessConfig(fgsm_eps_255=[4], pgd_steps=2, batch_size=5, memory_budget_mb=budget),
            detection,
            "gradcam",
            **KWARGS,
        )
        for budget in (2048, 1e-4)
    ]
    assert reports[0] == reports[1]
