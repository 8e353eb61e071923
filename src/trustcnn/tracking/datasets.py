"""The data splits a run read, as MLflow dataset inputs: what the UI shows in the runs table's
*Dataset* column and on the run page.

Each split is a dataset named as in the catalog (``train_set``), whose digest is the DVC md5
of its file (the value of the run's ``trustcnn.data.<name>.md5`` tag and of ``dvc.lock``),
whose source is the file's path, and whose context says how the run used it (training,
validation, test). The run of a ``kedro run`` gets every split its nodes read (hooks.py,
before each node); a model run gets the splits of the node that trains it
(:func:`reading`, set by the same hook), or its parent's outside Kedro; the evaluation adds
the test split each model was scored on.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Collection, Mapping
from pathlib import Path

import mlflow
from mlflow.entities import Dataset, DatasetInput, InputTag
from mlflow.exceptions import MlflowException

CONTEXT_TAG = "mlflow.data.context"  # MLflow's input tag for how a run used a dataset
CONTEXTS = (("val", "validation"), ("test", "test"), ("train", "training"))  # first match in the name wins
Splits = Mapping[str, tuple[str | Path, str]]  # name → (path, md5)

_node = threading.local()  # the splits of the node running on this thread (Kedro runs a node on one thread)


def context_of(name: str) -> str:
    """``train_set`` → training, ``source_val_set`` → validation, ``test_set`` → test."""
    return next((context for part, context in CONTEXTS if part in name), "input")


def split_input(name: str, path: str | Path, md5: str) -> DatasetInput:
    """Split ``name`` read from ``path``, whose DVC md5 is ``md5``."""
    dataset = Dataset(name=name, digest=md5, source_type="local", source=json.dumps({"uri": str(path)}))
    return DatasetInput(dataset, tags=[InputTag(CONTEXT_TAG, context_of(name))])


def log_splits(splits: Splits, run_id: str | None = None) -> None:
    """``{name: (path, md5)}`` as dataset inputs of run ``run_id`` (default: the active run).
    A split the run already has with the same md5 is not logged twice (MLflow keeps one input
    per dataset name and digest).

    Under ``ParallelRunner`` two workers may log the same split into the run of the ``kedro
    run`` at once. MLflow looks for the input, then inserts it; the worker that loses that race
    fails on the table's UNIQUE constraint. So a failed write is tried once more: it then finds
    the other worker's input and writes nothing; a real failure fails again."""
    if splits:
        if not run_id:
            active = mlflow.active_run()
            assert active is not None, "log_splits needs run_id or an active MLflow run"
            run_id = active.info.run_id
        client, inputs = mlflow.MlflowClient(), [split_input(name, *where) for name, where in splits.items()]
        try:
            client.log_inputs(run_id, datasets=inputs)
        except MlflowException:
            client.log_inputs(run_id, datasets=inputs)


def reading(splits: Splits | None) -> None:
    """Say which splits the node about to run on this thread reads (None once it is done)."""
    _node.splits = splits


def log_model_inputs(parent_id: str | None, run_id: str) -> None:
    """A model run's inputs: the splits of the node that trains it, else (outside Kedro) its
    parent's."""
    splits = getattr(_node, "splits", None)
    if splits is not None:
        log_splits(splits, run_id)
    elif parent_id is not None:
        inherit_inputs(parent_id, run_id)


def inherit_inputs(parent_id: str, run_id: str, contexts: Collection[str] | None = None) -> None:
    """The dataset inputs of run ``parent_id`` (those used in one of ``contexts``, default
    all) into run ``run_id``, open or finished."""
    client = mlflow.MlflowClient()
    inputs = client.get_run(parent_id).inputs
    chosen = [
        found
        for found in (inputs.dataset_inputs if inputs is not None else [])
        if contexts is None or {t.key: t.value for t in found.tags}.get(CONTEXT_TAG) in contexts
    ]
    if chosen:
        client.log_inputs(run_id, datasets=chosen)
