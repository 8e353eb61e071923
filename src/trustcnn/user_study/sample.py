"""Which test images a study shows: seeded, stratified over the automatic four cases."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from trustcnn.metrics import CASES


def case_codes(correct: np.ndarray, accurate: np.ndarray) -> np.ndarray:
    """Each image's case as an index into :data:`trustcnn.metrics.CASES`."""
    return 2 * (~np.asarray(correct, bool)).astype(int) + (~np.asarray(accurate, bool)).astype(int)


def stratified_sample(strata: np.ndarray, n: int, seed: int) -> np.ndarray:
    """``n`` distinct indices, each stratum getting its proportional share (largest
    remainders round it), drawn at random within the stratum; sorted. All indices when
    there are fewer than ``n``."""
    strata = np.asarray(strata)
    if n < 1:
        raise ValueError(f"user_study.n_images must be >= 1, got {n}")
    if n >= len(strata):
        return np.arange(len(strata))
    rng = np.random.default_rng(seed)
    labels, counts = np.unique(strata, return_counts=True)
    take = proportional_quotas(counts, n)
    chosen = [rng.choice(np.flatnonzero(strata == label), size=k, replace=False) for label, k in zip(labels, take)]
    return np.sort(np.concatenate(chosen))


def proportional_quotas(counts: np.ndarray, n: int) -> np.ndarray:
    """How many of ``n`` each stratum of ``counts`` members gets: its proportional share,
    rounded by largest remainders (so the quotas sum to ``n``)."""
    quotas = counts * n / counts.sum()
    take = np.floor(quotas).astype(int)
    for k in np.argsort(-(quotas - take), kind="stable")[: n - take.sum()]:
        take[k] += 1
    return take


def joint_strata(cases: Mapping[str, np.ndarray]) -> np.ndarray:
    """One stratum per combination of the compared models' cases (e.g. baseline right &
    inaccurate, champion right & accurate), so every kind of disagreement is shown."""
    codes = np.stack([np.asarray(c) for c in cases.values()])
    return np.ravel_multi_index(tuple(codes), (len(CASES),) * len(codes))
