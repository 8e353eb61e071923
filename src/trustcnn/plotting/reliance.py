"""Reliance on the decoy at a glance: accuracy per decoy view, and the share of the gap closed."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.figure import Figure

VIEW_COLUMNS = {"consistent": "accuracy_consistent", "random": "accuracy", "swapped": "accuracy_swapped"}


def _with_errors(estimates: list[Mapping]) -> tuple[np.ndarray, np.ndarray]:
    """Values and error-bar lengths; an estimate without a value (``None``) is NaN: no bar."""
    values = np.array([np.nan if e["value"] is None else e["value"] for e in estimates], dtype=float)
    bounds = np.array([[np.nan, np.nan] if e["value"] is None else e["ci95"] for e in estimates], dtype=float).T
    return values, np.abs(bounds - values)


def reliance_bars(table: Mapping[str, Mapping]) -> Figure:
    """``table``: Table 1's ``reliance`` part, ``{model: {column: estimate}}``. Left, each
    model's accuracy on the three decoy views (a model that ignores the decoy has three equal
    bars); right, the share of the baseline's gap to the no-decoy reference it closes."""
    names = list(table)
    figure = Figure(figsize=(max(8.0, 1.1 * len(names) + 4.0), 4.2), layout="constrained")
    views, gaps = figure.subplots(1, 2, width_ratios=[2.2, 1])
    x = np.arange(len(names))
    width = 0.27
    for i, (view, column) in enumerate(VIEW_COLUMNS.items()):
        values, errors = _with_errors([table[n][column] for n in names])
        views.bar(x + (i - 1) * width, values, width, yerr=errors, capsize=2, label=f"decoy {view}")
    views.set_xticks(x, names, rotation=35, ha="right", fontsize="small")
    views.set_ylabel("test accuracy (95% CI)")
    views.set_ylim(0, 1)
    views.set_title("accuracy when only the decoy's colour changes")
    views.legend(fontsize="small")
    with_gap = [n for n in names if "gap_closed" in table[n]]
    y = np.arange(len(with_gap))
    values, errors = _with_errors([table[n]["gap_closed"] for n in with_gap])
    gaps.barh(y, values, xerr=errors, capsize=2, color="tab:purple")
    gaps.axvline(0, color="grey", lw=0.8)
    gaps.axvline(1, color="grey", lw=0.8, ls="--")
    gaps.set_yticks(y, with_gap, fontsize="small")
    gaps.invert_yaxis()
    gaps.set_xlabel("share of the gap to no_decoy closed")
    gaps.set_title("0 = baseline, 1 = never saw the decoy")
    return figure
