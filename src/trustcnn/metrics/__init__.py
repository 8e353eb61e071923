"""Evaluation metrics: plain numpy in, JSON-ready ``{"value", "ci95"}`` records out."""

from trustcnn.metrics.cases import CASES, case_examples, case_indicators, case_shares
from trustcnn.metrics.classification import classification_metrics, confusion
from trustcnn.metrics.intervals import (
    bootstrap_arrays,
    bootstrap_ci,
    cluster_bootstrap_ci,
    estimate,
    format_estimate,
    mean_ci,
    proportion_ci,
    t_interval,
)
from trustcnn.metrics.localisation import energy_in_mask, pointing_game, thresholded_iou
from trustcnn.metrics.reliance import decoy_share, gap_closed, view_estimates
from trustcnn.metrics.risk_coverage import risk_coverage
from trustcnn.metrics.similarity import ssim_per_image, ssim_win_size

__all__ = [
    "CASES",
    "bootstrap_arrays",
    "bootstrap_ci",
    "case_examples",
    "case_indicators",
    "case_shares",
    "classification_metrics",
    "cluster_bootstrap_ci",
    "confusion",
    "decoy_share",
    "energy_in_mask",
    "estimate",
    "format_estimate",
    "gap_closed",
    "mean_ci",
    "pointing_game",
    "proportion_ci",
    "risk_coverage",
    "ssim_per_image",
    "ssim_win_size",
    "t_interval",
    "thresholded_iou",
    "view_estimates",
]
