"""Model criticism: per class, MMD-critic prototypes and criticisms in each model's own
features, with their maps and decoys; the report of every model."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from trustcnn import tracking
from trustcnn.batches import default_device
from trustcnn.config import CriticismConfig
from trustcnn.criticism import criticism_markdown
from trustcnn.criticism.model import criticise, criticism_plot
from trustcnn.data import ImageSet
from trustcnn.models import from_checkpoint
from trustcnn.pipelines import by_model


def criticise_model(
    model: dict[str, Any],
    test_set: ImageSet,
    maps: dict[str, np.ndarray],
    predictions: dict[str, np.ndarray],
    run: dict[str, str],
    criticism: CriticismConfig,
    *,
    name: str = "model",
) -> tuple[dict[str, Any], Figure]:
    """The model's criticism report and figure (:func:`trustcnn.criticism.criticise`), both
    also into its MLflow run; the maps are the saliency stage's where it stored them."""
    net = from_checkpoint(model).to(default_device())
    report, shown = criticise(net, test_set, maps, predictions["predictions"], criticism)
    figure = criticism_plot(report, shown, name)
    tracking.log_criticism(run, name, report, figure)
    return report, figure


def criticism_report(**reports: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """criticism.json (every model's report) and criticism.md; ``reports`` are ``criticism_<model>``."""
    models = by_model(reports, "criticism")
    return {"models": models}, criticism_markdown(models)
