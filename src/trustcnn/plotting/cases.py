"""The four cases as grouped bars with 95% CIs, one group per case, one bar per model."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.figure import Figure

from trustcnn.metrics import CASES


def case_bars(table: Mapping[str, Mapping], title: str) -> Figure:
    """``table``: ``{model: case_shares}`` as :func:`trustcnn.metrics.case_shares` returns."""
    figure = Figure(figsize=(max(6.0, 1.6 * len(CASES) + 0.4 * len(table)), 4.0))
    ax = figure.add_subplot()
    width = 0.8 / max(1, len(table))
    x = np.arange(len(CASES))
    for i, (name, shares) in enumerate(table.items()):
        values = np.array([shares["overall"][c]["value"] for c in CASES])
        bounds = np.array([shares["overall"][c]["ci95"] for c in CASES]).T
        ax.bar(x + i * width, values, width, yerr=np.abs(bounds - values), capsize=2, label=name)
    ax.set_xticks(x + width * (len(table) - 1) / 2, [c.replace("_", "\n") for c in CASES])
    ax.set_ylabel("share of test images")
    ax.set_ylim(0, 1)
    ax.set_title(title)
    ax.legend(fontsize="small", ncols=2)
    figure.tight_layout()
    return figure
