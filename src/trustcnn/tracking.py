"""MLflow logging for trained models (plain MLflow: no Kedro here).

kedro-mlflow opens one parent run per ``kedro run``; every trained model gets its own
run nested under it, and later nodes reopen that run by id to add test metrics and
figures. All model runs log the same metric names, so the UI's Compare view lines
them up.
"""

from __future__ import annotations

import importlib.metadata
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import mlflow
from mlflow.exceptions import MlflowException
import numpy as np
from matplotlib.figure import Figure
from torch import nn

log = logging.getLogger(__name__)
PIP_REQUIREMENTS = ("torch", "torchvision", "numpy", "scikit-learn", "scikit-image", "pydantic", "mlflow")


@contextmanager
def model_run(name: str | None = None, run_id: str | None = None) -> Iterator[mlflow.ActiveRun]:
    """Start the run ``name`` — or reopen ``run_id`` — nested under the active run if any.

    A ``run_id`` the current tracking store doesn't know (the model came from DVC's cache
    or another store) starts a new run ``name`` instead, tagged with the missing id.
    """
    tags = None
    if run_id is not None and not _run_exists(run_id):
        log.warning("MLflow run %s of %s is not in this tracking store; logging to a new run", run_id, name)
        run_id, tags = None, {"trustcnn.missing_training_run_id": run_id}
    nested = mlflow.active_run() is not None
    with mlflow.start_run(run_id=run_id, run_name=None if run_id else name, nested=nested, tags=tags) as run:
        yield run


def _run_exists(run_id: str) -> bool:
    try:
        mlflow.MlflowClient().get_run(run_id)
    except MlflowException:
        return False
    return True


def flatten(params: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` → ``{"a.b": 1}``; lists and ``None`` become strings."""
    flat: dict[str, Any] = {}
    for key, value in params.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat |= flatten(value, f"{name}.")
        else:
            flat[name] = value if isinstance(value, (int, float, str, bool)) else str(value)
    return flat


def log_history(history: list[dict[str, float]], prefix: str = "") -> None:
    """Per-epoch metrics, with the epoch as MLflow's step."""
    for row in history:
        step = int(row["epoch"])
        mlflow.log_metrics({f"{prefix}{k}": float(v) for k, v in row.items() if k != "epoch"}, step=step)


def log_estimates(estimates: Mapping[str, Mapping[str, Any]], prefix: str = "test_") -> None:
    """``{"accuracy": {"value": v, "ci95": [lo, hi]}}`` → ``test_accuracy``, ``…_ci_low``, ``…_ci_high``."""
    metrics: dict[str, float] = {}
    for name, estimate in estimates.items():
        metrics[f"{prefix}{name}"] = float(estimate["value"])
        lo, hi = estimate["ci95"]
        metrics[f"{prefix}{name}_ci_low"] = float(lo)
        metrics[f"{prefix}{name}_ci_high"] = float(hi)
    mlflow.log_metrics(metrics)


def log_figure(figure: Figure | np.ndarray, filename: str) -> None:
    """A live figure, or one loaded back from its PNG as an image array."""
    if isinstance(figure, Figure):
        mlflow.log_figure(figure, filename)
    else:
        mlflow.log_image(figure, filename)


def pip_requirements() -> list[str]:
    """Pinned from the running environment, so logging needs no slow requirement inference."""
    return [f"{name}=={importlib.metadata.version(name)}" for name in PIP_REQUIREMENTS]


def log_torch_model(model: nn.Module, input_example: np.ndarray, name: str = "model") -> str:
    """Log ``model`` (pickle serialisation, signature from ``input_example``); returns its URI."""
    model.eval()
    info = mlflow.pytorch.log_model(
        model,
        name=name,
        serialization_format="pickle",
        input_example=input_example,
        pip_requirements=pip_requirements(),
    )
    return info.model_uri


def log_training(
    params: Mapping[str, Any], history: list[dict[str, float]], curves: Figure, model: nn.Module, input_example: np.ndarray
) -> str:
    """Everything a training node records in its model's run: flat params, the (already
    streamed) history's final values as summary, the curves figure and the model."""
    mlflow.log_params(flatten(params))
    if history:
        mlflow.log_metrics({f"final_{k}": float(v) for k, v in history[-1].items() if k != "epoch"})
    log_figure(curves, "training_curves.png")
    return log_torch_model(model, input_example)
