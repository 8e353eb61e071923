"""The paper's four cases (its Table 3) without people: label right/wrong × map accurate/inaccurate.

The paper needed a user study to call a map accurate; with object masks a map is
*accurate* when at least ``accurate_energy`` of its mass lies on the object (energy-based
pointing game). Shares come with bootstrap 95% CIs, overall and per true class.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from trustcnn.metrics.intervals import mean_ci

CASES = ("right_accurate", "right_inaccurate", "wrong_accurate", "wrong_inaccurate")


def case_indicators(correct: np.ndarray, accurate: np.ndarray) -> dict[str, np.ndarray]:
    correct, accurate = np.asarray(correct, bool), np.asarray(accurate, bool)
    return {
        "right_accurate": correct & accurate,
        "right_inaccurate": correct & ~accurate,
        "wrong_accurate": ~correct & accurate,
        "wrong_inaccurate": ~correct & ~accurate,
    }


def case_shares(
    correct: np.ndarray,
    accurate: np.ndarray,
    labels: np.ndarray,
    class_names: Sequence[str],
    *,
    n_resamples: int = 1000,
    seed: int = 0,
) -> dict:
    """``{"overall": {case: {"value", "ci95"}}, "per_class": {class: {case: share}}}``."""
    indicators = case_indicators(correct, accurate)
    overall = {
        case: {k: v for k, v in mean_ci(flags.astype(float), n_resamples=n_resamples, seed=seed).items() if k in ("value", "ci95")}
        for case, flags in indicators.items()
    }
    labels = np.asarray(labels)
    per_class = {class_names[k]: {case: float(flags[labels == k].mean()) for case, flags in indicators.items()} for k in np.unique(labels)}
    return {"overall": overall, "per_class": per_class}


def case_examples(correct: np.ndarray, energy: np.ndarray, accurate_energy: float, k: int = 2) -> dict[str, dict[str, list[int]]]:
    """Per case, the indices of its ``k`` best and ``k`` worst test images.

    *Best* means the highest energy in mask (the map most on the object), *worst* the
    lowest; a case with fewer than ``2k`` images shows each of them once, best first.
    """
    if k < 1:
        raise ValueError(f"k must be ≥ 1, got {k}")
    energy = np.asarray(energy, dtype=float)
    indicators = case_indicators(correct, energy >= accurate_energy)
    examples = {}
    for case, flags in indicators.items():
        members = np.flatnonzero(flags)
        ranked = members[np.argsort(-energy[members], kind="stable")].tolist()
        best = ranked[:k]
        worst = [i for i in ranked[::-1][:k] if i not in best]
        examples[case] = {"best": best, "worst": worst}
    return examples
