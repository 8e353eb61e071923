"""Figures for the companion checks: risk–coverage curves, accuracy under attack, the bias audit."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from trustcnn.metrics import risk_coverage


def risk_coverage_figure(scores: Mapping[str, np.ndarray | None], wrong: np.ndarray, title: str) -> Figure:
    """Error rate among the kept predictions as each detector discards more of them."""
    figure = Figure(figsize=(5.5, 4.0), layout="constrained")
    ax = figure.add_subplot()
    for name, values in scores.items():
        if values is not None:
            coverage, risk = risk_coverage(wrong, values)
            ax.plot(coverage, risk, label=name)
    ax.axhline(float(np.mean(wrong)), color="grey", lw=0.8, ls="--", label="keep everything")
    ax.set_xlabel("coverage (share of predictions kept)")
    ax.set_ylabel("risk (error rate among the kept)")
    ax.set_xlim(0, 1)
    ax.set_title(title)
    ax.legend(fontsize="small")
    return figure


def _grouped_bars(ax, rows: Mapping[str, Mapping[str, Mapping]], metric: str) -> None:
    """One group of bars per model, one bar per attack: ``metric``'s value with its 95% CI."""
    names = list(rows)
    attacks = list(dict.fromkeys(a for row in rows.values() for a in row))
    width = 0.8 / max(1, len(attacks))
    x = np.arange(len(names))
    for i, attack in enumerate(attacks):
        values = np.array([rows[n][attack][metric]["value"] for n in names], dtype=float)
        bounds = np.array([rows[n][attack][metric]["ci95"] for n in names], dtype=float).T
        ax.bar(x + i * width, values, width, yerr=np.abs(bounds - values), capsize=2, label=attack)
    ax.set_xticks(x + width * (len(attacks) - 1) / 2, names, rotation=35, ha="right", fontsize="small")
    ax.set_ylim(0, 1)


def robustness_figure(robustness: Mapping[str, Mapping[str, Mapping]]) -> Figure:
    """Per model and attack: accuracy under attack, and the SSIM between the clean and the
    adversarial image's maps (1: the map did not move), with 95% CIs."""
    figure = Figure(figsize=(max(10.0, 1.6 * len(robustness) + 3), 4.2), layout="constrained")
    accuracy, ssim = figure.subplots(1, 2)
    _grouped_bars(accuracy, robustness, "accuracy")
    accuracy.set_ylabel("test accuracy under attack")
    accuracy.set_title("accuracy under attack (ε in 1/255)")
    accuracy.legend(fontsize="small")
    _grouped_bars(ssim, robustness, "ssim_clean_vs_adversarial")
    ssim.set_ylabel("SSIM, clean vs adversarial map")
    ssim.set_title("how far the maps move (1: not at all)")
    return figure


def bias_figure(bias: Mapping[str, Mapping[str, Mapping]], method: str) -> Figure:
    """Left, stacked bars: where each model's ``method`` saliency goes (object / decoy /
    elsewhere). Right, with decoys: each class's decoy share per model, flagged cells boxed."""
    names = [n for n in bias if method in bias[n]]
    has_decoy = any("decoy" in bias[n][method]["overall"] for n in names)
    figure = Figure(figsize=(max(11.0, 1.2 * len(names) + 5), 4.5), layout="constrained")
    overall, per_class = figure.subplots(1, 2) if has_decoy else (figure.add_subplot(), None)
    bottom = np.zeros(len(names))
    for region, colour in (("object", "tab:green"), ("decoy", "tab:red"), ("elsewhere", "tab:grey")):
        values = np.array([bias[n][method]["overall"].get(region, {"value": 0.0})["value"] for n in names])
        overall.bar(names, values, bottom=bottom, color=colour, label=region)
        bottom += values
    overall.set_ylabel(f"share of {method} saliency")
    overall.set_ylim(0, 1)
    overall.tick_params(axis="x", rotation=35)
    overall.set_title(f"where the {method} maps go")
    overall.legend(fontsize="small")
    if per_class is not None:
        _decoy_heatmap(per_class, {n: bias[n][method]["per_class"] for n in names})
    return figure


def _decoy_heatmap(ax, per_class: Mapping[str, Mapping[str, Mapping]]) -> None:
    names = list(per_class)
    classes = list(dict.fromkeys(c for rows in per_class.values() for c in rows))
    shares = np.array([[per_class[n].get(c, {}).get("decoy", np.nan) for c in classes] for n in names], dtype=float)
    image = ax.imshow(shares, cmap="Reds", vmin=0, aspect="auto")
    for i, name in enumerate(names):
        for j, c in enumerate(classes):
            if per_class[name].get(c, {}).get("flagged"):
                ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="black", lw=1.5))
    ax.set_xticks(range(len(classes)), classes, rotation=35, ha="right", fontsize="small")
    ax.set_yticks(range(len(names)), names, fontsize="small")
    ax.set_title("decoy share per class (boxed: flagged)")
    ax.figure.colorbar(image, ax=ax, label="share of saliency on the decoy")
