"""Logged and registered models: every trained model is ``<experiment>-<name>`` in the MLflow
Model Registry (``trustcnn-baseline`` for the default run; ``trustcnn-smoke-baseline`` for the
smoke environment, whose experiment is ``trustcnn-smoke``), and the ``champion`` alias marks the
best trustworthy one of each experiment — so a smoke run never moves the real champion."""

from __future__ import annotations

import importlib.metadata
import logging

import mlflow
import numpy as np
import torch
from mlflow.exceptions import MlflowException
from mlflow.models import infer_signature
from torch import nn

log = logging.getLogger(__name__)
PIP_REQUIREMENTS = ("torch", "torchvision", "numpy", "scikit-learn", "scikit-image", "pydantic", "mlflow")
CHAMPION = "champion"
DEFAULT_EXPERIMENT = "trustcnn"
EXPERIMENT_TAG = "trustcnn.experiment"  # on each registered model: the experiment whose runs it holds


def pip_requirements() -> list[str]:
    """Pinned from the running environment, so logging needs no slow requirement inference."""
    return [f"{name}=={importlib.metadata.version(name)}" for name in PIP_REQUIREMENTS]


def active_experiment() -> str:
    """The name of the active run's experiment (``conf/<env>/mlflow.yml``), else the default's."""
    run = mlflow.active_run()
    return mlflow.get_experiment(run.info.experiment_id).name if run else DEFAULT_EXPERIMENT


def registered_name(model_name: str, experiment: str | None = None) -> str:
    """``<experiment>-<model_name>``; ``experiment`` defaults to :func:`active_experiment`."""
    return f"{experiment or active_experiment()}-{model_name}"


def log_torch_model(model: nn.Module, input_example: np.ndarray, model_name: str) -> dict[str, str]:
    """Log ``model`` (pickle serialisation, input example, signature inferred from it) and
    register it as :func:`registered_name`; returns its URI, registered name and version."""
    experiment = active_experiment()
    name = registered_name(model_name, experiment)
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
        registered_model_name=name,
    )
    mlflow.MlflowClient().set_registered_model_tag(name, EXPERIMENT_TAG, experiment)
    return {
        "model_uri": info.model_uri,
        "registered_model": name,
        "model_version": str(info.registered_model_version),
    }


def set_champion(registered_model: str, version: str) -> bool:
    """Give ``registered_model`` version ``version`` the ``champion`` alias and take the alias
    off every other model of its experiment, so exactly one per experiment holds it. False (and
    nothing changed) when this registry doesn't have that version, e.g. a model restored from
    DVC's cache."""
    client = mlflow.MlflowClient()
    try:
        client.get_model_version(registered_model, version)
    except MlflowException:
        log.warning("%s version %s is not in this model registry; champion alias not moved", registered_model, version)
        return False
    experiment = client.get_registered_model(registered_model).tags.get(EXPERIMENT_TAG, DEFAULT_EXPERIMENT)
    for model in client.search_registered_models(f"name LIKE '{experiment}-%'"):
        same_experiment = (model.tags or {}).get(EXPERIMENT_TAG, DEFAULT_EXPERIMENT) == experiment
        if model.name != registered_model and same_experiment and CHAMPION in (model.aliases or {}):
            client.delete_registered_model_alias(model.name, CHAMPION)
    client.set_registered_model_alias(registered_model, CHAMPION, version)
    return True
