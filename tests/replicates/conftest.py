"""Synthetic finished replicates: metrics.json rows with a few estimates per model and seed."""

from __future__ import annotations

from typing import Any

import pytest

PARAMETERS = {"seed": 0, "data": {"seed": 0, "classes": [0, 1]}, "trust_variants": ["good", "mixed"], "replicate": {"seeds": [0, 1, 2]}}


def estimate(value: float | None) -> dict[str, Any]:
    return {"value": value, "ci95": [value, value] if value is not None else [None, None]}


def metrics(seed: int) -> dict[str, Any]:
    """``good`` beats the baseline in every seed; ``mixed`` only in some; ``no_decoy`` is the reference."""

    def row(accuracy: float, flips: float, gap: float | None, right: float) -> dict[str, Any]:
        return {
            "accuracy": estimate(accuracy),
            "decoy_flip_rate": estimate(flips),
            "gap_closed": estimate(gap),
            "case_shares": {"overall": {"right_accurate": estimate(right)}, "per_class": {"0": {"right_accurate": 0.5}}},
            "error_detection": {"conductance": {"auroc": estimate(0.8 + 0.01 * seed), "coverage": 0.9}},
            "ssim_vs_baseline": estimate(0.5),
        }

    wiggle = (-0.01, 0.0, 0.01)[seed % 3]
    return {
        "models": {
            "baseline": row(0.55 + wiggle, 0.50 + wiggle, 0.0, 0.05),
            "no_decoy": row(0.80, 0.25, 1.0, 0.20),
            "good": row(0.65 + wiggle, 0.35 + wiggle, 0.40 + 2 * wiggle, 0.20 + wiggle),
            "mixed": row(0.55 - 3 * wiggle, 0.50 - 3 * wiggle, -3 * wiggle if seed != 1 else None, 0.05 - wiggle),
        },
        "champion": {"model": "good" if seed else "mixed", "criterion": "single seed"},
        "source_backbone": {"accuracy": 0.9 + 0.01 * seed},
    }


def replicate(seed: int, parameters: dict[str, Any] = PARAMETERS) -> dict[str, Any]:
    from trustcnn.replicates.parameters import experiment_parameters

    made_from = experiment_parameters({**parameters, "seed": seed})
    return {
        "metrics": metrics(seed),
        "record": {"seed": seed, "parameters": made_from, "machine": {"cpu": "test CPU", "torch_threads": 1, "torch": "x"}},
    }


@pytest.fixture
def replicates() -> dict[int, dict[str, Any]]:
    return {seed: replicate(seed) for seed in (0, 1, 2)}
