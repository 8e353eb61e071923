"""Evaluation metrics: plain numpy in, JSON-ready ``{"value", "ci95"}`` records out."""

from trustcnn.metrics.classification import classification_metrics, confusion
from trustcnn.metrics.intervals import bootstrap_arrays, bootstrap_ci, estimate, mean_ci
from trustcnn.metrics.maps import energy_in_mask, ssim_per_image, ssim_win_size

__all__ = [
    "bootstrap_arrays",
    "bootstrap_ci",
    "classification_metrics",
    "confusion",
    "energy_in_mask",
    "estimate",
    "mean_ci",
    "ssim_per_image",
    "ssim_win_size",
]
