"""Compare trained models on the test split: classification with CIs and map quality.

Input per model is what the saliency stage saved: ``maps`` (Grad-CAM at the trainable
layer's resolution, in [0, 1]), ``predictions`` and ``probabilities``. Maps are
upsampled (bilinear) to the image size before they meet masks or each other, so
localisation and SSIM are measured where a user looks at them.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch

from trustcnn.data import ImageSet
from trustcnn.metrics import classification_metrics, energy_in_mask, mean_ci, ssim_per_image
from trustcnn.saliency import upsample

REFERENCE = "baseline"
# The paper's Table 1: classification with CIs and SSIM against the baseline's maps; we add
# energy in mask because it says whether a map points at the object at all.
TABLE1_COLUMNS = ("accuracy", "precision", "recall", "ssim_vs_baseline", "energy_in_mask")
Results = Mapping[str, Mapping[str, np.ndarray]]


def upsample_maps(maps: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    if tuple(maps.shape[-2:]) == tuple(size):
        return maps
    return upsample(torch.from_numpy(np.ascontiguousarray(maps)), size).numpy()


def evaluate_models(test: ImageSet, results: Results, *, n_resamples: int = 1000, seed: int = 0) -> dict:
    """``{"models": {name: {"accuracy", "precision", "recall", "energy_in_mask",
    "ssim_vs_baseline"}}}``, each ``{"value": v, "ci95": [lo, hi]}``.

    ``energy_in_mask`` is left out when the data has no masks; ``ssim_vs_baseline``
    compares each model's maps with the ``baseline`` model's, image by image.
    """
    if REFERENCE not in results:
        raise ValueError(f"evaluation needs the {REFERENCE!r} model's results; got {sorted(results)}")
    size = test.images.shape[1:3]
    maps = {name: upsample_maps(result["maps"], size) for name, result in results.items()}
    kwargs = {"n_resamples": n_resamples, "seed": seed}
    report: dict[str, dict] = {}
    for name, result in results.items():
        if len(result["predictions"]) != len(test):
            raise ValueError(f"{name}: {len(result['predictions'])} predictions for {len(test)} test images")
        # Macro over the classes the test split has (an ImageNet subset has few of 1000).
        row = classification_metrics(
            test.labels, result["predictions"], test.num_classes, labels=np.unique(test.labels), **kwargs
        )
        if test.masks is not None:
            row["energy_in_mask"] = mean_ci(energy_in_mask(maps[name], test.masks), **kwargs)
        row["ssim_vs_baseline"] = mean_ci(ssim_per_image(maps[name], maps[REFERENCE]), **kwargs)
        report[name] = row
    return {"models": report}


def _cell(estimate: Mapping) -> str:
    if estimate.get("value") is None:
        return "n/a"
    lo, hi = estimate["ci95"]
    return f"{estimate['value']:.3f} [{lo:.3f}, {hi:.3f}]"


def table1(report: Mapping) -> dict:
    """The paper's Table 1 for this data: :data:`TABLE1_COLUMNS` of every model."""
    return {
        "models": {
            name: {c: row[c] for c in TABLE1_COLUMNS if c in row} for name, row in report["models"].items()
        }
    }


def metrics_table(report: Mapping, title: str | None = None) -> str:
    """A Markdown table of :func:`evaluate_models`' report (value [95% CI])."""
    models = report["models"]
    columns = list(dict.fromkeys(key for row in models.values() for key in row))
    lines = [f"## {title}", ""] if title else []
    lines += [
        "| model | " + " | ".join(columns) + " |",
        "|---|" + "---|" * len(columns),
    ]
    for name, row in models.items():
        lines.append(f"| {name} | " + " | ".join(_cell(row[c]) if c in row else "n/a" for c in columns) + " |")
    return "\n".join(lines) + "\n\nValues are point estimates with 95% bootstrap confidence intervals on the test split.\n"
