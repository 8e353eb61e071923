"""Seeded percentile-bootstrap confidence intervals, reported as JSON-ready dicts (and the
Student-t interval of a mean over a few seeds, :func:`t_interval`).

Every estimate in the project has the shape ``{"value": float, "ci95": [lo, hi]}`` (the key
names the confidence level: ``ci90`` for ``confidence=0.9``). The resampling is
:func:`scipy.stats.bootstrap` with ``paired=True`` and ``method="percentile"``: one set of
indices per replicate, applied to every sample, so per-image quantities stay aligned.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
from scipy.stats import binomtest, bootstrap
from scipy.stats import t as student_t

# A vectorised statistic: takes the samples, reduces along ``axis`` (always the last one)
# and returns a scalar, or an array of outputs ``[k, ...]`` for several statistics at once.
Statistic = Callable[..., np.ndarray | float]


def ci_key(confidence: float) -> str:
    """``"ci95"`` for 0.95, ``"ci90"`` for 0.9, so a key never lies about its level."""
    return f"ci{confidence * 100:g}"


def estimate(value: float, lo: float, hi: float, confidence: float = 0.95) -> dict:
    """The project's estimate record with plain Python floats."""
    return {"value": float(value), ci_key(confidence): [float(lo), float(hi)]}


def _check_samples(samples: tuple[np.ndarray, ...]) -> list[np.ndarray]:
    if not samples:
        raise ValueError("at least one sample is required")
    arrays = [np.asarray(s) for s in samples]
    lengths = {len(a) for a in arrays}
    if len(lengths) != 1:
        raise ValueError(f"paired samples must have equal lengths, got {sorted(lengths)}")
    if lengths == {0}:
        raise ValueError("samples must not be empty")
    return arrays


def bootstrap_arrays(
    statistic: Statistic,
    *samples: np.ndarray,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Point value, lower and upper CI bounds of a (possibly multi-output) statistic.

    With a single observation there is nothing to resample (scipy refuses), so the interval
    collapses to the point value; constant data gives a collapsed interval naturally.
    """
    arrays = _check_samples(samples)
    value = np.asarray(statistic(*arrays, axis=-1), dtype=float)
    if len(arrays[0]) < 2:
        return value, value.copy(), value.copy()
    result = bootstrap(
        arrays,
        statistic,
        n_resamples=n_resamples,
        vectorized=True,
        paired=True,
        axis=0,
        confidence_level=confidence,
        method="percentile",
        rng=np.random.default_rng(seed),
    )
    ci = result.confidence_interval
    return value, np.asarray(ci.low, dtype=float), np.asarray(ci.high, dtype=float)


def bootstrap_ci(
    statistic: Statistic,
    *samples: np.ndarray,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> dict:
    """``{"value", "ci95"}`` of a scalar statistic of paired samples.

    ``statistic(*samples, axis=-1)`` must be vectorised (``np.mean`` is): scipy passes
    batches of resamples stacked along leading axes. Same seed, same interval.
    """
    value, lo, hi = bootstrap_arrays(statistic, *samples, n_resamples=n_resamples, confidence=confidence, seed=seed)
    if value.ndim != 0:
        raise ValueError(f"statistic must return a scalar, got shape {value.shape}")
    return estimate(float(value), float(lo), float(hi), confidence)


def mean_ci(
    values: np.ndarray,
    *,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> dict:
    """Mean of per-image values with its bootstrap CI, plus counts.

    NaNs (e.g. an image with no mask) are dropped before resampling; the record says how
    many were used (``n``) and dropped (``n_nan``). With nothing left the estimate is
    ``None`` (JSON ``null``) rather than NaN, which strict JSON cannot hold.
    """
    values = np.asarray(values, dtype=float).ravel()
    finite = values[~np.isnan(values)]
    counts = {"n": int(finite.size), "n_nan": int(values.size - finite.size)}
    if finite.size == 0:
        return {"value": None, ci_key(confidence): [None, None], **counts}
    record = bootstrap_ci(np.mean, finite, n_resamples=n_resamples, confidence=confidence, seed=seed)
    return {**record, **counts}


def cluster_bootstrap_ci(
    statistic: Callable[..., float],
    clusters: np.ndarray,
    *samples: np.ndarray,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> dict:
    """``{"value", "ci95", "n", "n_clusters"}`` of ``statistic(*samples)``, the interval from
    resampling whole clusters with replacement (e.g. a study's participants, whose answers
    are not independent). Resamples where the statistic is undefined (NaN) are left out; a
    single cluster gives a collapsed interval, and no finite statistic ``None``."""
    arrays = _check_samples((clusters, *samples))
    clusters, samples = arrays[0], tuple(arrays[1:])
    labels = np.unique(clusters)
    members = [np.flatnonzero(clusters == label) for label in labels]
    value = float(statistic(*samples))
    rng = np.random.default_rng(seed)
    replicates = []
    for _ in range(n_resamples):
        index = np.concatenate([members[k] for k in rng.integers(len(labels), size=len(labels))])
        replicates.append(statistic(*(s[index] for s in samples)))
    finite = np.asarray(replicates, dtype=float)
    finite = finite[np.isfinite(finite)]
    counts = {"n": len(clusters), "n_clusters": len(labels)}
    if not np.isfinite(value) or finite.size == 0:
        return {"value": None, ci_key(confidence): [None, None], **counts}
    tail = (1 - confidence) / 2 * 100
    lo, hi = np.percentile(finite, [tail, 100 - tail])
    return {**estimate(value, lo, hi, confidence), **counts}


def proportion_ci(successes: int, n: int, *, confidence: float = 0.95) -> dict:
    """``{"value", "ci95", "n"}`` of a share ``successes / n`` with Wilson's score interval
    (it stays inside [0, 1] and does not collapse at 0 or n, unlike a bootstrap of a few
    dozen 0/1 values); ``None`` for ``n = 0``."""
    if n == 0:
        return {"value": None, ci_key(confidence): [None, None], "n": 0}
    interval = binomtest(int(successes), int(n)).proportion_ci(confidence_level=confidence, method="wilson")
    return {**estimate(successes / n, interval.low, interval.high, confidence), "n": int(n)}


def t_interval(values: Sequence[float | None], confidence: float = 0.95) -> dict:
    """Mean, sample standard deviation and the Student-t confidence interval of the mean over
    ``values`` (e.g. one per seed: ``mean ± t(n − 1) · sd / √n``), leaving out ``None`` and NaN:
    ``{"mean", "sd", "ci95": [lo, hi], "n"}``. With one value, ``sd`` and the interval are
    ``None``; with none, the mean is too. A t-interval, not a bootstrap: a handful of seeds is
    too few to resample."""
    finite = np.array([v for v in values if v is not None and np.isfinite(v)], dtype=float)
    n = len(finite)
    key = ci_key(confidence)
    if n < 2:
        return {"mean": float(finite[0]) if n else None, "sd": None, key: None, "n": n}
    mean, sd = float(finite.mean()), float(finite.std(ddof=1))
    half = float(student_t.ppf(0.5 + confidence / 2, df=n - 1)) * sd / np.sqrt(n)
    return {"mean": mean, "sd": sd, key: [mean - half, mean + half], "n": n}


def format_estimate(estimate: Mapping) -> str:
    """``value [lo, hi]`` to three decimals, ``n/a`` for an estimate without a value."""
    if estimate.get("value") is None:
        return "n/a"
    lo, hi = estimate["ci95"]
    return f"{estimate['value']:.3f} [{lo:.3f}, {hi:.3f}]"
