"""MLflow runs: one per trained model, nested under the run of the ``kedro run``.

kedro-mlflow opens the parent run; every trained model gets its own run nested under it,
and later nodes reopen that run by id to add test metrics and figures. A nested run inherits
its parent's provenance tags (git commit, DVC hashes of the data; :mod:`.provenance`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import mlflow
import numpy as np
from matplotlib.figure import Figure
from mlflow.exceptions import MlflowException

from trustcnn.tracking.liveness import liveness_tags
from trustcnn.tracking.provenance import is_provenance_tag

log = logging.getLogger(__name__)


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
    parent = mlflow.active_run()
    if parent is not None and run_id is None:
        tags = {**_provenance_of(parent.info.run_id), **(tags or {})}
    with mlflow.start_run(run_id=run_id, run_name=None if run_id else name, nested=parent is not None, tags=tags) as run:
        mlflow.set_tags(liveness_tags())  # reopened runs too: whoever holds it open now
        yield run


def _provenance_of(run_id: str) -> dict[str, str]:
    """The parent's provenance tags as they are now (``ActiveRun`` holds a stale copy)."""
    tags = mlflow.MlflowClient().get_run(run_id).data.tags
    return {k: v for k, v in tags.items() if is_provenance_tag(k)}


def _run_exists(run_id: str) -> bool:
    try:
        mlflow.MlflowClient().get_run(run_id)
    except MlflowException:
        return False
    return True


def tag_active_run(tags: Mapping[str, str]) -> bool:
    """Tags on the active run (kedro-mlflow's run of this ``kedro run``); False when there is none."""
    if mlflow.active_run() is None:
        return False
    if tags:
        mlflow.set_tags(dict(tags))
    return True


def set_tags(tags: Mapping[str, str], run_id: str | None = None) -> None:
    """Tags on ``run_id``, or on the active run."""
    if run_id is None:
        mlflow.set_tags(dict(tags))
    else:
        for key, value in tags.items():
            mlflow.MlflowClient().set_tag(run_id, key, value)


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


def log_params(params: Mapping[str, Any]) -> None:
    mlflow.log_params(flatten(params))


def log_metrics(metrics: Mapping[str, float]) -> None:
    mlflow.log_metrics({k: float(v) for k, v in metrics.items()})


def log_history(history: list[dict[str, float]], prefix: str = "") -> None:
    """Per-epoch metrics, with the epoch as MLflow's step."""
    for row in history:
        step = int(row["epoch"])
        mlflow.log_metrics({f"{prefix}{k}": float(v) for k, v in row.items() if k != "epoch"}, step=step)


def log_epoch(row: dict[str, float]) -> None:
    """One epoch's metrics as they come (the training loop's ``on_epoch`` callback)."""
    log_history([row])


def log_estimates(estimates: Mapping[str, Mapping[str, Any]], prefix: str = "test_") -> None:
    """``{"accuracy": {"value": v, "ci95": [lo, hi]}}`` → ``test_accuracy``, ``…_ci_low``,
    ``…_ci_high``; estimates without a value are left out."""
    metrics: dict[str, float] = {}
    for name, estimate in estimates.items():
        if estimate.get("value") is None:
            continue
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


def log_text(text: str, filename: str) -> None:
    mlflow.log_text(text, filename)


def log_dict(data: Mapping[str, Any], filename: str) -> None:
    mlflow.log_dict(dict(data), filename)
