"""A figure that says why there is nothing to plot (data without masks or decoys)."""

from __future__ import annotations

from matplotlib.figure import Figure


def note_figure(text: str) -> Figure:
    figure = Figure(figsize=(5, 1))
    figure.text(0.5, 0.5, text, ha="center", va="center")
    return figure
