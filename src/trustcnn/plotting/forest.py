"""A forest plot of one metric across the seeds of the replicates: a row per model, each seed's
value a dot, the mean and its 95% t-interval over seeds a bar."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from trustcnn.plotting.note import note_figure

REFERENCE_LINES = {"gap_closed": ((0.0, "baseline", "-"), (1.0, "no_decoy", "--"))}


def forest_plot(models: Mapping[str, Mapping[str, Any]], metric: str, title: str, skip: tuple[str, ...] = ()) -> Figure:
    """``models``: a summary's models (``{model: {metric: {"values", "mean", "ci95"}}}``). One
    row per model that has ``metric`` (except ``skip``, e.g. the models a metric is 0 and 1 for
    by definition), top to bottom in the summary's order."""
    names = [name for name, row in models.items() if metric in row and name not in skip]
    if not names:
        return note_figure(f"no replicate measured {metric}")
    figure = Figure(figsize=(7.5, 0.55 * len(names) + 1.6), layout="constrained")
    axes = figure.subplots()
    rng = np.random.default_rng(0)  # a fixed vertical jitter, so equal values stay visible
    for row, name in enumerate(names):
        stats = models[name][metric]
        values = np.array([np.nan if v is None else v for v in stats["values"]], dtype=float)
        axes.scatter(values, row + rng.uniform(-0.12, 0.12, len(values)), s=18, color="tab:blue", alpha=0.7, zorder=3)
        if stats.get("ci95") is not None:
            low, high = stats["ci95"]
            axes.plot([low, high], [row, row], color="black", lw=2.2, zorder=2)
            axes.text(high, row - 0.3, f" {stats['mean']:.2f} [{low:.2f}, {high:.2f}]", fontsize="x-small", va="bottom")
        if stats.get("mean") is not None:
            axes.plot([stats["mean"]], [row], marker="D", color="black", ms=6, zorder=4)
    for x, name, style in REFERENCE_LINES.get(metric, ()):
        axes.axvline(x, color="grey", lw=0.8, ls=style)
        axes.text(x, -0.9, name, color="grey", fontsize="x-small", ha="center")
    axes.set_yticks(range(len(names)), names, fontsize="small")
    axes.set_ylim(len(names) - 0.4, -1.1)
    axes.set_xlabel(f"{metric} (dots: seeds; diamond and bar: mean and 95% t-interval over seeds)")
    axes.set_title(title)
    axes.grid(axis="x", lw=0.3)
    return figure
