"""The data splits a run read, as MLflow dataset inputs: what the UI shows in the runs table's
*Datasets* column and on the run page.

Each split is a dataset named as in the catalog (``train_set``), whose digest is the DVC md5
of its file (the value of the run's ``trustcnn.data.<name>.md5`` tag and of ``dvc.lock``),
whose source is the file's path, and whose context says how the run used it (training,
validation, test). The run of a ``kedro run`` gets the splits its nodes read (hooks.py,
before each node); a model run gets its parent's (:func:`inherit_inputs`), as it gets its
provenance tags; an evaluated model run also gets what the evaluation read (the test split).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import mlflow
from mlflow.entities import Dataset, DatasetInput, InputTag

CONTEXT_TAG = "mlflow.data.context"  # MLflow's input tag for how a run used a dataset
CONTEXTS = (("val", "validation"), ("test", "test"), ("train", "training"))  # first match in the name wins


def context_of(name: str) -> str:
    """``train_set`` → training, ``source_val_set`` → validation, ``test_set`` → test."""
    return next((context for part, context in CONTEXTS if part in name), "input")


def split_input(name: str, path: str | Path, md5: str) -> DatasetInput:
    """Split ``name`` read from ``path``, whose DVC md5 is ``md5``."""
    dataset = Dataset(name=name, digest=md5, source_type="local", source=json.dumps({"uri": str(path)}))
    return DatasetInput(dataset, tags=[InputTag(CONTEXT_TAG, context_of(name))])


def log_splits(splits: Mapping[str, tuple[str | Path, str]], run_id: str | None = None) -> None:
    """``{name: (path, md5)}`` as dataset inputs of run ``run_id`` (default: the active run).
    A split the run already has with the same md5 is not logged twice (MLflow keeps one input
    per dataset name and digest)."""
    run_id = run_id or mlflow.active_run().info.run_id
    if splits:
        mlflow.MlflowClient().log_inputs(run_id, datasets=[split_input(name, *where) for name, where in splits.items()])


def inherit_inputs(parent_id: str, run_id: str) -> None:
    """The dataset inputs of run ``parent_id`` into run ``run_id`` (open or finished)."""
    inputs = mlflow.MlflowClient().get_run(parent_id).inputs
    if inputs is not None and inputs.dataset_inputs:
        mlflow.MlflowClient().log_inputs(run_id, datasets=list(inputs.dataset_inputs))
