"""MLflow logging for trained models (plain MLflow: no Kedro here).

kedro-mlflow opens one parent run per ``kedro run``; every trained model gets its own
run nested under it, and later nodes reopen that run by id to add test metrics and
figures. All model runs log the same metric names, so the UI's Compare view lines
them up. Every model is registered as ``trustcnn-<name>``; the evaluation moves the
``champion`` alias to the best trustworthy one. A nested run inherits its parent's
provenance tags (git commit, DVC hashes of the data; see :mod:`trustcnn.provenance`).
"""

from __future__ import annotations

import importlib.metadata
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import mlflow
import numpy as np
from mlflow.exceptions import MlflowException
from mlflow.models import infer_signature
from matplotlib.figure import Figure
import torch
from torch import nn

from trustcnn.provenance import is_provenance_tag

log = logging.getLogger(__name__)
PIP_REQUIREMENTS = ("torch", "torchvision", "numpy", "scikit-learn", "scikit-image", "pydantic", "mlflow")
REGISTRY_PREFIX = "trustcnn-"
CHAMPION = "champion"


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
        yield run


def _provenance_of(run_id: str) -> dict[str, str]:
    """The parent's provenance tags as they are now (``ActiveRun`` holds a stale copy)."""
    tags = mlflow.MlflowClient().get_run(run_id).data.tags
    return {k: v for k, v in tags.items() if is_provenance_tag(k)}


def tag_active_run(tags: Mapping[str, str]) -> bool:
    """Provenance tags on the active run (kedro-mlflow's run of this ``kedro run``); False
    when there is none."""
    if mlflow.active_run() is None:
        return False
    if tags:
        mlflow.set_tags(dict(tags))
    return True


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


def registered_name(model_name: str) -> str:
    return f"{REGISTRY_PREFIX}{model_name}"


def log_torch_model(model: nn.Module, input_example: np.ndarray, model_name: str) -> dict[str, str]:
    """Log ``model`` (pickle serialisation, input example, signature inferred from it) and
    register it as ``trustcnn-<model_name>``; returns its URI, registered name and version."""
    model.eval()
    device = next(model.parameters()).device
    with torch.no_grad():
        output = model(torch.from_numpy(input_example).to(device)).cpu().numpy()
    info = mlflow.pytorch.log_model(
        model,
        name="model",
        serialization_format="pickle",
        input_example=input_example,
        signature=infer_signature(input_example, output),
        pip_requirements=pip_requirements(),
        registered_model_name=registered_name(model_name),
    )
    return {
        "model_uri": info.model_uri,
        "registered_model": registered_name(model_name),
        "model_version": str(info.registered_model_version),
    }


def set_champion(registered_model: str, version: str) -> bool:
    """Give ``registered_model`` version ``version`` the ``champion`` alias and take the alias
    off every other trustcnn model, so exactly one holds it. False (and nothing changed)
    when this registry doesn't have that version, e.g. a model restored from DVC's cache."""
    client = mlflow.MlflowClient()
    try:
        client.get_model_version(registered_model, version)
    except MlflowException:
        log.warning("%s version %s is not in this model registry; champion alias not moved", registered_model, version)
        return False
    for model in client.search_registered_models(f"name LIKE '{REGISTRY_PREFIX}%'"):
        if model.name != registered_model and CHAMPION in (model.aliases or {}):
            client.delete_registered_model_alias(model.name, CHAMPION)
    client.set_registered_model_alias(registered_model, CHAMPION, version)
    return True


def log_training(
    model_name: str,
    params: Mapping[str, Any],
    history: list[dict[str, float]],
    curves: Figure,
    model: nn.Module,
    input_example: np.ndarray,
) -> dict[str, str]:
    """Everything a training node records in its model's run: flat params, the (already
    streamed) history's final values as summary, the curves figure and the registered
    model. Returns what :func:`log_torch_model` does."""
    mlflow.log_params(flatten(params))
    if history:
        mlflow.log_metrics({f"final_{k}": float(v) for k, v in history[-1].items() if k != "epoch"})
    log_figure(curves, "training_curves.png")
    return log_torch_model(model, input_example, model_name)
