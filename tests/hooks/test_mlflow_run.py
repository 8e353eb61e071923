"""The run hook writes a node's parameters in one batch, and falls back to one write each when
the batch fails (two ParallelRunner workers inserting the same key into the run at once)."""

from pathlib import Path
from typing import Any

import mlflow
import pytest
from mlflow.exceptions import MlflowException

from trustcnn.hooks.mlflow_run import log_params_batch


@pytest.fixture
def active_run(tmp_path: Path):
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    try:
        with mlflow.start_run() as run:
            yield run
    finally:
        mlflow.set_tracking_uri(None)


def test_parameters_go_in_one_batch(active_run, monkeypatch) -> None:
    singles: list[str] = []
    log_params_batch({"evaluation.seed": 0, "evaluation.n_resamples": 50}, lambda k, v: singles.append(k))
    assert singles == []
    params = mlflow.MlflowClient().get_run(active_run.info.run_id).data.params
    assert params == {"evaluation.seed": "0", "evaluation.n_resamples": "50"}


def test_a_failed_batch_is_written_one_by_one(active_run, monkeypatch) -> None:
    def racing_batch(params: dict[str, Any]) -> None:  # what MLflow raises when another worker won the race
        raise MlflowException("(sqlite3.IntegrityError) UNIQUE constraint failed: params.key, params.run_uuid")

    monkeypatch.setattr(mlflow, "log_params", racing_batch)
    mlflow.log_param("baseline.seed", 0)  # the other worker's write
    log_params_batch({"baseline.seed": 0, "baseline.epochs": 3}, mlflow.log_param)
    params = mlflow.MlflowClient().get_run(active_run.info.run_id).data.params
    assert params == {"baseline.seed": "0", "baseline.epochs": "3"}
    with pytest.raises(MlflowException, match="Changing param values is not allowed"):
        log_params_batch({"baseline.seed": 1}, mlflow.log_param)  # a real conflict still fails
