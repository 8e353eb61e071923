"""The splits as MLflow dataset inputs, against a real SQLite tracking store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import mlflow
import pytest
from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore
from sqlalchemy import event
from sqlalchemy.engine import Engine

from trustcnn.tracking.datasets import log_splits, split_input

SPLITS = {"train_set": ("data/03_primary/train.npz", "0" * 32), "test_set": ("data/03_primary/test.npz", "1" * 32)}


@pytest.fixture
def db(tmp_path: Path) -> Iterator[str]:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    mlflow.set_tracking_uri(uri)
    yield uri
    while mlflow.active_run():
        mlflow.end_run()
    mlflow.set_tracking_uri(None)


def _inputs(run_id: str) -> dict[str, str]:
    return {i.dataset.name: i.dataset.digest for i in mlflow.MlflowClient().get_run(run_id).inputs.dataset_inputs}


def test_a_worker_that_loses_the_race_for_the_same_input_logs_it_once(db: str) -> None:
    """As two ParallelRunner workers do: the other worker's write of the same inputs commits
    between this one's look-up and its insert (a second store: another connection, as in
    another process)."""
    experiment = mlflow.MlflowClient().create_experiment("trustcnn")
    with mlflow.start_run(experiment_id=experiment, run_name="sibling"):
        log_splits(SPLITS)  # the datasets exist; what the workers race on is the run's input rows
    run = mlflow.start_run(experiment_id=experiment, run_name="transfer")
    other = SqlAlchemyStore(db, str(Path(db.removeprefix("sqlite:///")).parent / "mlartifacts"))
    raced: list[str] = []

    def other_worker_first(conn, cursor, statement: str, *args) -> None:
        if statement.startswith("INSERT INTO inputs") and not raced:
            raced.append(statement)
            inputs = mlflow.MlflowClient().get_run(run.info.run_id).inputs  # nothing yet
            assert not inputs.dataset_inputs
            other.log_inputs(run.info.run_id, datasets=[split_input(name, *where) for name, where in SPLITS.items()])

    event.listen(Engine, "before_cursor_execute", other_worker_first)
    try:
        log_splits(SPLITS)
    finally:
        event.remove(Engine, "before_cursor_execute", other_worker_first)
    assert raced, "the other worker never wrote first"
    assert _inputs(run.info.run_id) == {name: md5 for name, (_, md5) in SPLITS.items()}
    assert len(mlflow.MlflowClient().get_run(run.info.run_id).inputs.dataset_inputs) == 2


def test_a_split_logged_twice_is_one_input(db: str) -> None:
    with mlflow.start_run(experiment_id=mlflow.MlflowClient().create_experiment("trustcnn")) as run:
        log_splits(SPLITS)
        log_splits(SPLITS)
    assert len(mlflow.MlflowClient().get_run(run.info.run_id).inputs.dataset_inputs) == 2
