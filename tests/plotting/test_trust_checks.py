"""The companion checks' figures: what they draw, from reports shaped like metrics.json's."""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Rectangle

from trustcnn.plotting.trust_checks import bias_figure, risk_coverage_figure, robustness_figure


def _estimate(value: float) -> dict:
    return {"value": value, "ci95": [value - 0.05, value + 0.05]}


def test_risk_coverage_draws_each_fitted_detector_and_the_error_rate() -> None:
    wrong = np.array([True, False, False, True, False])
    figure = risk_coverage_figure({"a": np.arange(5.0), "unfitted": None}, wrong, "t")
    ax = figure.axes[0]
    assert [line.get_label() for line in ax.lines] == ["a", "keep everything"]
    assert ax.lines[1].get_ydata()[0] == 0.4


def test_robustness_figure_shows_accuracy_and_map_movement() -> None:
    row = {"fgsm_eps8": {"accuracy": _estimate(0.3), "ssim_clean_vs_adversarial": _estimate(0.6)}}
    figure = robustness_figure({"baseline": row, "trust_mask": row})
    accuracy, ssim = figure.axes
    assert [p.get_height() for p in accuracy.patches] == [0.3, 0.3]
    assert [p.get_height() for p in ssim.patches] == [0.6, 0.6]


def test_bias_figure_stacks_regions_and_boxes_flagged_classes() -> None:
    audit = {
        "overall": {"object": _estimate(0.3), "decoy": _estimate(0.1), "elsewhere": _estimate(0.6)},
        "per_class": {"0": {"decoy": 0.2, "flagged": True}, "1": {"decoy": 0.01, "flagged": False}},
    }
    figure = bias_figure({"baseline": {"gradcam": audit}}, "gradcam")
    overall, heatmap = figure.axes[:2]
    assert [round(p.get_height(), 3) for p in overall.patches] == [0.3, 0.1, 0.6]
    boxes = [p for p in heatmap.patches if isinstance(p, Rectangle)]
    assert len(boxes) == 1 and boxes[0].get_xy() == (-0.5, -0.5)


def test_bias_figure_without_decoys_has_no_heatmap() -> None:
    audit = {"overall": {"object": _estimate(0.3), "elsewhere": _estimate(0.7)}, "per_class": {"0": {"object": 0.3}}}
    assert len(bias_figure({"m": {"gradcam": audit}}, "gradcam").axes) == 1
