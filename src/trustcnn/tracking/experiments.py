"""Experiments MLflow's UI opens on the runs: MLflow 3 reads the experiment tag
``mlflow.experimentKind`` to choose an experiment's first page, and without it may open a
GenAI "Overview" (traces, tokens) instead of the runs table. Every experiment trustcnn
logs into — kedro-mlflow's (``trustcnn``, ``trustcnn-smoke``, one per environment) and any a
model run is started in — is marked as one of custom model development."""

from __future__ import annotations

import mlflow

KIND_TAG = "mlflow.experimentKind"
MODEL_DEVELOPMENT = "custom_model_development"  # the value MLflow 3.x's UI opens on the runs table for

_marked: set[tuple[str, str]] = set()  # (tracking URI, experiment id) this process has checked


def mark_model_development(experiment_id: str) -> None:
    """Tag experiment ``experiment_id`` as custom model development unless it already has a
    kind (someone who chose another kind in the UI keeps it). Once per experiment and process."""
    key = (mlflow.get_tracking_uri(), experiment_id)
    if key in _marked:
        return
    client = mlflow.MlflowClient()
    if KIND_TAG not in client.get_experiment(experiment_id).tags:
        client.set_experiment_tag(experiment_id, KIND_TAG, MODEL_DEVELOPMENT)
    _marked.add(key)
