"""Per-epoch training curves: losses, accuracies and any other logged terms."""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

History = Mapping[str, Sequence[float]] | Sequence[Mapping[str, float]]


def _columns(history: History) -> dict[str, np.ndarray]:
    """Column form of either history layout; a missing or ``None`` entry is NaN (a gap)."""
    columns: dict[str, list[float | None]]
    if isinstance(history, Mapping):
        columns = {key: list(values) for key, values in history.items()}
    else:
        keys = list(dict.fromkeys(key for row in history for key in row))
        columns = {key: [row.get(key) for row in history] for key in keys}
    columns = {key: [np.nan if v is None else v for v in values] for key, values in columns.items()}
    lengths = {len(values) for values in columns.values()}
    if len(lengths) > 1:
        raise ValueError(f"history columns must have equal lengths, got {sorted(lengths)}")
    return {key: np.asarray(values, dtype=float) for key, values in columns.items() if all(isinstance(v, numbers.Real) for v in values)}


def _groups(keys: list[str]) -> dict[str, list[str]]:
    """Losses (keys containing "loss"), accuracies ("acc"), then everything else."""
    losses = [k for k in keys if "loss" in k]
    accuracies = [k for k in keys if "acc" in k and k not in losses]
    others = [k for k in keys if k not in losses and k not in accuracies]
    groups = {"loss": losses, "accuracy": accuracies, "other terms": others}
    return {title: members for title, members in groups.items() if members}


def training_curves(history: History, title: str) -> Figure:
    """One subplot per group of per-epoch values, validation curves dashed.

    ``history`` is a list of per-epoch dicts (``{"epoch": 1, "train_loss": ..., ...}``) or a
    dict of per-epoch lists. ``epoch`` is the x axis when present (else 1, 2, ...);
    non-numeric entries are ignored.
    """
    columns = _columns(history)
    epochs = columns.pop("epoch", None)
    if not columns:
        raise ValueError("history holds no numeric per-epoch values")
    if epochs is None:
        epochs = np.arange(1, len(next(iter(columns.values()))) + 1)
    groups = _groups(list(columns))

    fig = Figure(figsize=(4.2 * len(groups), 3.4), layout="constrained")
    axes = fig.subplots(1, len(groups), squeeze=False)[0]
    for ax, (group, keys) in zip(axes, groups.items()):
        for key in keys:
            style = "--" if key.startswith("val") else "-"
            ax.plot(epochs, columns[key], style, marker="o", markersize=3, label=key)
        ax.set_title(group)
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title)
    return fig
