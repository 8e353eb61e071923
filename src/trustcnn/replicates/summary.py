"""Evidence across seeds: every estimate of every finished replicate's ``metrics.json``, per model
and metric the mean, sd and 95% t-interval over seeds, each seed's paired difference against the
baseline and in how many seeds the model is better, and the champion by the across-seed rule.

The metrics are read generically — every ``{"value", "ci95"}`` estimate in a model's row, named
by its path (``gap_closed``, ``case_shares.overall.right_accurate``,
``error_detection.conductance.auroc``) — so a metric a later version adds to ``metrics.json``
reaches the summary without a change here.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from trustcnn.evaluation.champion import REFERENCE, choose_champion_across_seeds
from trustcnn.metrics.intervals import t_interval
from trustcnn.replicates.parameters import differences, experiment_parameters, fingerprint

log = logging.getLogger(__name__)
INTERVAL = "95% t-interval of the mean over seeds (Student's t, n − 1 degrees of freedom)"
Replicate = Mapping[str, Any]  # {"metrics": metrics.json, "record": what it was made from (replicate.json)}

# Which way is better, by the last part of a metric's path (or its prefix); others: no direction.
HIGHER = {
    "accuracy",
    "accuracy_consistent",
    "accuracy_swapped",
    "precision",
    "recall",
    "gap_closed",
    "energy_in_mask",
    "energy_pointing_game",
    "pointing_game",
    "iou",
    "right_accurate",
    "auroc",
    "accuracy_at_coverage",
}
LOWER = {"decoy_drop", "decoy_flip_rate", "wrong_accurate", "wrong_inaccurate"}
LOWER_PREFIXES = ("decoy_share_",)


class StaleReplicates(ValueError):
    """Replicates made with other parameters than the current ones (seeds aside)."""


def direction(path: str) -> str | None:
    """``"higher"`` or ``"lower"`` is better for the metric at ``path``; ``None`` when it has no
    better side (e.g. SSIM against the baseline's maps)."""
    leaf = path.rsplit(".", 1)[-1]
    if path.startswith(("bias.", "robustness.")) and not path.endswith(".auroc"):
        return None  # shares of saliency per region and accuracy under attack: described, not ranked here
    if leaf in LOWER or leaf.startswith(LOWER_PREFIXES):
        return "lower"
    return "higher" if leaf in HIGHER else None


def estimates(row: Mapping[str, Any], prefix: str = "") -> dict[str, float | None]:
    """Every estimate in a ``metrics.json`` model row by its dotted path: ``{"accuracy": 0.54, …}``."""
    found: dict[str, float | None] = {}
    for key, value in row.items():
        if isinstance(value, Mapping) and "value" in value and "ci95" in value:
            found[f"{prefix}{key}"] = value["value"]
        elif isinstance(value, Mapping):
            found |= estimates(value, f"{prefix}{key}.")
    return found


def select(
    replicates: Mapping[int, Replicate], seeds: Iterable[int], parameters: Mapping[str, Any]
) -> tuple[dict[int, Replicate], list[int]]:
    """The replicates of ``seeds`` that finished (in ``seeds``' order) and the seeds that have
    not. Raises :class:`StaleReplicates`, naming each replicate and what differs, when one was
    made with other parameters than ``parameters`` (seeds aside): a summary must not mix them."""
    current = experiment_parameters(parameters)
    finished = {seed: replicates[seed] for seed in seeds if seed in replicates}
    stale = {
        seed: differences(replicate["record"]["parameters"], current)
        for seed, replicate in finished.items()
        if replicate["record"]["parameters"] != current
    }
    if stale:
        lines = "; ".join(f"seed_{seed}: {', '.join(diff)}" for seed, diff in stale.items())
        raise StaleReplicates(
            f"replicate(s) made with other parameters than the current ones (made with → now): {lines}. "
            "Re-run them (make replicate) or restore the parameters they were made with."
        )
    ignored = sorted(set(replicates) - set(finished))
    if ignored:
        log.info("replicates of seeds %s are not in replicate.seeds: left out", ignored)
    return finished, [seed for seed in seeds if seed not in replicates]


def summarise(
    replicates: Mapping[int, Replicate], parameters: Mapping[str, Any], headline: Iterable[str], missing: Iterable[int] = ()
) -> dict[str, Any]:
    """The summary across the seeds of ``replicates`` (finished, current: :func:`select`).

    ``models[model][metric]``: ``values`` (one per seed, in ``seeds``' order; ``None`` where
    undefined), ``n``, ``mean``, ``sd``, ``ci95`` (:data:`INTERVAL`), ``direction`` and, except
    for the baseline, ``vs_baseline``: each seed's paired difference against the baseline's
    value, their mean, sd and t-interval, and ``better_in`` (seeds where the model is better;
    ``None`` for a metric without a better side) of ``n``. ``champion``: the across-seed rule's
    pick (:func:`~trustcnn.evaluation.champion.choose_champion_across_seeds`), ``None`` below
    two seeds. ``parameters`` and ``fingerprint``: what the replicates were made from."""
    seeds = list(replicates)
    current = experiment_parameters(parameters)
    rows = {seed: replicate["metrics"]["models"] for seed, replicate in replicates.items()}
    names = list(next(iter(rows.values()))) if rows else []
    values = {name: {seed: estimates(rows[seed].get(name, {})) for seed in seeds} for name in names}
    models = {name: _model(values[name], values.get(REFERENCE), seeds, name == REFERENCE) for name in names}
    backbone = [replicate["metrics"].get("source_backbone", {}).get("accuracy") for replicate in replicates.values()]
    summary: dict[str, Any] = {
        "seeds": seeds,
        "missing_seeds": list(missing),
        "interval": INTERVAL,
        "headline": list(headline),
        "fingerprint": fingerprint(current),
        "machines": _distinct(replicate["record"].get("machine") for replicate in replicates.values()),
        "single_seed_champions": {str(seed): r["metrics"]["champion"]["model"] for seed, r in replicates.items()},
        "source_backbone": {"accuracy": {"values": backbone, **t_interval(backbone)}},
        "models": models,
    }
    summary["champion"] = choose_champion_across_seeds(models) if len(seeds) >= 2 else None
    summary["parameters"] = json.loads(json.dumps(current, sort_keys=True))  # keys sorted: Kedro's file order never changes the bytes
    return summary


def _model(
    values: Mapping[int, Mapping[str, float | None]], reference: Mapping[int, Mapping] | None, seeds: list[int], is_reference: bool
) -> dict[str, dict]:
    paths = list(dict.fromkeys(path for seed in seeds for path in values[seed]))
    model = {}
    for path in paths:
        series = [values[seed].get(path) for seed in seeds]
        stats = {"values": series, **t_interval(series), "direction": direction(path)}
        if not is_reference and reference is not None:
            stats["vs_baseline"] = _paired(series, [reference[seed].get(path) for seed in seeds], stats["direction"])
        model[path] = stats
    return model


def _paired(own: list[float | None], baseline: list[float | None], better: str | None) -> dict[str, Any]:
    differences = [None if a is None or b is None else a - b for a, b in zip(own, baseline)]
    defined = [d for d in differences if d is not None]
    wins = None if better is None else sum((d > 0) if better == "higher" else (d < 0) for d in defined)
    return {"differences": differences, **t_interval(differences), "better_in": wins}


def _distinct(items: Iterable[Any]) -> list[Any]:
    seen: list[Any] = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen
