"""MLflow runs: one per trained model, nested under the run of the ``kedro run``.

kedro-mlflow opens the parent run (named by :func:`parent_run_name`); every trained model gets
its own run nested under it. Later nodes add test metrics and figures to a model's run by id,
without reopening it (:func:`evaluated_run`), so its start and end times stay those of its
training. A nested run inherits its parent's provenance tags (git commit, DVC hashes of the
data; :mod:`.provenance`) and logs the splits it trains on as dataset inputs
(:mod:`.datasets`). Training curves are logged
under ``training/`` so a run's ``test_*`` metrics come first in the UI.
"""

from __future__ import annotations

import logging
import math
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Any

import mlflow
import numpy as np
from matplotlib.figure import Figure
from mlflow.entities import Metric
from mlflow.exceptions import MlflowException

from trustcnn.plotting.png import png_bytes
from trustcnn.tracking.datasets import log_model_inputs
from trustcnn.tracking.experiments import mark_model_development
from trustcnn.tracking.liveness import liveness_tags
from trustcnn.tracking.provenance import SEED_TAG, is_provenance_tag

log = logging.getLogger(__name__)
CURVES = "training/"  # the prefix of every per-epoch metric
MISSING_RUN_TAG = "trustcnn.missing_training_run_id"
FLUSH_S = 2.0  # the most a training curve in MLflow's UI lags behind the training
MAX_METRICS_PER_BATCH = 1000  # MLflow's limit for one log_batch
_pending: dict[str, list[Metric]] = {}  # run id → epochs log_epoch holds back
_flushed_at: dict[str, float] = {}


def parent_run_name(pipelines: Iterable[str] | None, namespaces: Iterable[str] | None) -> str:
    """``transfer``; ``trust[rrr]`` for ``kedro run --pipelines=trust --namespaces=rrr``: what the run of a ``kedro run`` ran."""
    name = "+".join(pipelines or ["__default__"])
    return f"{name}[{','.join(namespaces)}]" if namespaces else name


@contextmanager
def model_run(name: str) -> Iterator[mlflow.ActiveRun]:
    """Start the run ``name``, nested under the active run if any, with its provenance tags
    and the splits it trains on; the parent's seed (:data:`~trustcnn.tracking.provenance.SEED_TAG`)
    is its ``seed`` parameter too; its experiment opens on the runs in MLflow's UI."""
    parent = mlflow.active_run()
    tags = provenance_of(parent.info.run_id) if parent is not None else None
    experiment = parent.info.experiment_id if parent is not None else None  # the parent's, whatever is set
    with mlflow.start_run(run_name=name, nested=parent is not None, tags=tags, experiment_id=experiment) as run:
        mlflow.set_tags(liveness_tags())
        if tags and SEED_TAG in tags:
            mlflow.log_param("seed", tags[SEED_TAG])
        mark_model_development(run.info.experiment_id)
        log_model_inputs(parent.info.run_id if parent is not None else None, run.info.run_id)
        try:
            yield run
        finally:
            flush_epochs(run.info.run_id)


def evaluated_run(run: Mapping[str, str], name: str) -> str:
    """The id of model ``name``'s run (``run``: what its training node returned) for the
    evaluation to log into without reopening it. A run this tracking store doesn't have (the
    model came from DVC's cache or another store) is stood in for by a new, finished run
    ``name`` nested under the active run and tagged with the missing id."""
    if _run_exists(run["run_id"]):
        return run["run_id"]
    log.warning("MLflow run %s of %s is not in this tracking store; logging to a new run", run["run_id"], name)
    with model_run(name) as stand_in:
        mlflow.set_tag(MISSING_RUN_TAG, run["run_id"])
    return stand_in.info.run_id


def log_metrics_to(run_id: str, metrics: Mapping[str, float]) -> None:
    """Metrics into run ``run_id`` as it is (open or finished): its status and times stay."""
    now = int(time.time() * 1000)
    mlflow.MlflowClient().log_batch(run_id, metrics=[Metric(k, float(v), now, 0) for k, v in metrics.items()])


def log_figure_to(run_id: str, figure: Figure | np.ndarray, filename: str) -> None:
    """A figure (or a PNG loaded back as an image array) into run ``run_id`` as it is."""
    client = mlflow.MlflowClient()
    if isinstance(figure, Figure):
        with _png_file(figure, filename) as (path, folder):
            client.log_artifact(run_id, str(path), folder)
    else:
        client.log_image(run_id, figure, artifact_file=filename)


@contextmanager
def _png_file(figure: Figure, filename: str) -> Iterator[tuple[Path, str | None]]:
    """``figure``'s PNG (:func:`~trustcnn.plotting.png.png_bytes`: the bytes the catalog writes
    to ``data/`` too) in a temporary file named like ``filename``, and the artifact folder."""
    artifact = PurePosixPath(filename)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / artifact.name
        path.write_bytes(png_bytes(figure))
        yield path, str(artifact.parent) if str(artifact.parent) != "." else None


def log_dict_to(run_id: str, data: Mapping[str, Any], filename: str) -> None:
    """A JSON artifact into run ``run_id`` as it is."""
    mlflow.MlflowClient().log_dict(run_id, dict(data), filename)


def provenance_of(run_id: str) -> dict[str, str]:
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


def log_history(history: list[dict[str, float]], prefix: str = CURVES) -> None:
    """Per-epoch metrics (``training/val_accuracy``, …) into the active run, with the epoch as
    MLflow's step, in one write."""
    _log_batch(_active_run_id(), _epoch_metrics(history, prefix))


def log_epoch(row: dict[str, float]) -> None:
    """One epoch's metrics as they come (the training loop's ``on_epoch`` callback): written
    at once, then at most every :data:`FLUSH_S` seconds (one SQLite transaction per write
    took 20 ms, longer than an epoch of the default's trust layer); :func:`model_run` writes
    what is left when its run ends."""
    run_id = _active_run_id()
    _pending.setdefault(run_id, []).extend(_epoch_metrics([row], CURVES))
    if time.monotonic() - _flushed_at.get(run_id, -math.inf) >= FLUSH_S:
        flush_epochs(run_id)


def flush_epochs(run_id: str) -> None:
    """Write run ``run_id``'s epochs that :func:`log_epoch` holds back."""
    _log_batch(run_id, _pending.pop(run_id, []))
    _flushed_at[run_id] = time.monotonic()


def _epoch_metrics(history: list[dict[str, float]], prefix: str) -> list[Metric]:
    now = int(time.time() * 1000)
    return [Metric(f"{prefix}{k}", float(v), now, int(row["epoch"])) for row in history for k, v in row.items() if k != "epoch"]


def _log_batch(run_id: str, metrics: list[Metric]) -> None:
    client = mlflow.MlflowClient()
    for start in range(0, len(metrics), MAX_METRICS_PER_BATCH):
        client.log_batch(run_id, metrics=metrics[start : start + MAX_METRICS_PER_BATCH])


def _active_run_id() -> str:
    run = mlflow.active_run()
    if run is None:
        raise RuntimeError("no active MLflow run to log training curves into")
    return run.info.run_id


def estimate_metrics(estimates: Mapping[str, Mapping[str, Any]], prefix: str = "test_") -> dict[str, float]:
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
    return metrics


def log_figure(figure: Figure | np.ndarray, filename: str) -> None:
    """A live figure, or one loaded back from its PNG as an image array."""
    if isinstance(figure, Figure):
        with _png_file(figure, filename) as (path, folder):
            mlflow.log_artifact(str(path), folder)
    else:
        mlflow.log_image(figure, filename)


def log_text(text: str, filename: str) -> None:
    mlflow.log_text(text, filename)


def log_dict(data: Mapping[str, Any], filename: str) -> None:
    mlflow.log_dict(dict(data), filename)
