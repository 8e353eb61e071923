"""Experiments MLflow's UI opens on the runs.

MLflow 3's UI reads the experiment tag ``mlflow.experimentKind`` to choose an experiment's
first page — the runs table for ``custom_model_development``, a GenAI "Overview" (traces,
tokens) otherwise. Every experiment trustcnn logs into — kedro-mlflow's (``trustcnn``,
``trustcnn-smoke``, one per environment) and any a model run is started in — carries it.

MLflow 3.17's UI has a switch of its own in the sidebar, *GenAI | Model training*, which
decides instead of the tag: GenAI (its default) opens every experiment on the Overview. The
switch is remembered per browser; :func:`runs_page` is the URL of an experiment's runs table,
which opens in either mode.
"""

from __future__ import annotations

import mlflow
from mlflow.exceptions import MlflowException

UI = "http://127.0.0.1:5000"  # where `mlflow ui` serves by default
KIND_TAG = "mlflow.experimentKind"
MODEL_DEVELOPMENT = "custom_model_development"  # the value MLflow 3.x's UI opens on the runs table for

_marked: set[tuple[str, str]] = set()  # (tracking URI, experiment id) this process has checked


def mark_model_development(experiment_id: str) -> None:
    """Tag experiment ``experiment_id`` as custom model development unless it already has a
    kind (someone who chose another kind in the UI keeps it). Once per experiment and process.
    Two ``ParallelRunner`` workers may both find it untagged; the one whose write loses the race
    (a UNIQUE constraint) finds the tag set and goes on."""
    key = (mlflow.get_tracking_uri(), experiment_id)
    if key in _marked:
        return
    client = mlflow.MlflowClient()
    if KIND_TAG not in client.get_experiment(experiment_id).tags:
        try:
            client.set_experiment_tag(experiment_id, KIND_TAG, MODEL_DEVELOPMENT)
        except MlflowException:
            if KIND_TAG not in client.get_experiment(experiment_id).tags:
                raise
    _marked.add(key)


def runs_page(experiment: str, tracking_uri: str, ui: str = UI) -> str:
    """The URL of ``experiment``'s runs table: on the tracking server itself for an
    ``http(s)`` URI, else on ``mlflow ui`` at ``ui``."""
    found = mlflow.MlflowClient(tracking_uri).get_experiment_by_name(experiment)
    if found is None:
        raise ValueError(f"{tracking_uri} has no experiment {experiment!r}: run the pipeline first")
    base = tracking_uri if tracking_uri.startswith(("http://", "https://")) else ui
    return f"{base.rstrip('/')}/#/experiments/{found.experiment_id}/runs"
