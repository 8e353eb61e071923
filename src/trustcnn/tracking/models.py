"""Logged and registered models: every trained model is ``<experiment>-<name>`` in the MLflow
Model Registry (``trustcnn-baseline`` for the default run; ``trustcnn-smoke-baseline`` for the
smoke environment, whose experiment is ``trustcnn-smoke``), and the ``champion`` alias marks the
best trustworthy one of each experiment — so a smoke run never moves the real champion. A
replicate's models (experiment ``<experiment>-replicates``, :mod:`trustcnn.replicates.layout`)
are logged with their runs but never registered.

Each registered model has a description (what trained it, on which data) and tags (``variant``,
``objective``, the DVC hashes of its data); the champion's description adds why it won, and its
``trustcnn.champion_criterion`` tag the rule it won by."""

from __future__ import annotations

import importlib.metadata
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import mlflow
import numpy as np
import torch
from mlflow.exceptions import MlflowException
from mlflow.models import infer_signature
from torch import nn

from trustcnn.replicates.layout import is_replicate_experiment

log = logging.getLogger(__name__)
PIP_REQUIREMENTS = ("torch", "torchvision", "numpy", "scikit-learn", "scikit-image", "pydantic", "mlflow")
CHAMPION = "champion"
DEFAULT_EXPERIMENT = "trustcnn"
EXPERIMENT_TAG = "trustcnn.experiment"  # on each registered model: the experiment whose runs it holds
CRITERION_TAG = "trustcnn.champion_criterion"
WHY_CHAMPION = "\n\nChampion: "  # starts the paragraph of the champion's description that says why


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


def log_torch_model(
    model: nn.Module, input_example: np.ndarray, model_name: str, description: str = "", tags: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Log ``model`` as ``model_name`` (pickle serialisation, input example, signature inferred
    from it) and register it as :func:`registered_name` with ``description`` and ``tags`` (and
    ``variant``: ``model_name``); returns its URI, registered name and version — only its URI
    in a replicates experiment, where nothing is registered."""
    experiment = active_experiment()
    register = not is_replicate_experiment(experiment)
    name = registered_name(model_name, experiment)
    model.eval()
    device = next(model.parameters()).device
    with torch.no_grad():
        output = model(torch.from_numpy(input_example).to(device)).cpu().numpy()
    with _quiet("mlflow.pytorch"):  # its warning that pickle needs trust: chosen, and the file is ours
        info = mlflow.pytorch.log_model(
            model,
            name=model_name,
            serialization_format="pickle",
            input_example=input_example,
            signature=infer_signature(input_example, output),
            pip_requirements=pip_requirements(),
            registered_model_name=name if register else None,
        )
    if not register:
        return {"model_uri": info.model_uri}
    client, version = mlflow.MlflowClient(), str(info.registered_model_version)
    client.update_registered_model(name, description=description)
    client.update_model_version(name, version, description=description)
    for key, value in {**(tags or {}), "variant": model_name, EXPERIMENT_TAG: experiment}.items():
        client.set_registered_model_tag(name, key, value)
    return {"model_uri": info.model_uri, "registered_model": name, "model_version": version}


@contextmanager
def _quiet(logger_name: str) -> Iterator[None]:
    logger = logging.getLogger(logger_name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def set_champion(registered_model: str, version: str, why: str = "", criterion: str = "") -> bool:
    """Give ``registered_model`` version ``version`` the ``champion`` alias — its description
    then ends with ``why``, its ``trustcnn.champion_criterion`` tag is ``criterion`` — and take
    alias, paragraph and tag off every other model of its experiment, so exactly one per
    experiment holds them. False (and nothing changed) when this registry doesn't have that
    version, e.g. a model restored from DVC's cache."""
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
            client.update_registered_model(model.name, description=_without_why(model.description))
            if CRITERION_TAG in (model.tags or {}):
                client.delete_registered_model_tag(model.name, CRITERION_TAG)
    client.set_registered_model_alias(registered_model, CHAMPION, version)
    description = _without_why(client.get_registered_model(registered_model).description)
    client.update_registered_model(registered_model, description=f"{description}{WHY_CHAMPION}{why}" if why else description)
    if criterion:
        client.set_registered_model_tag(registered_model, CRITERION_TAG, criterion)
    return True


def _without_why(description: str | None) -> str:
    return (description or "").split(WHY_CHAMPION)[0]
