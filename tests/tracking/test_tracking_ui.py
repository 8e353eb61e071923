"""What makes MLflow's UI open on the models: experiments marked as model development, the
data splits as dataset inputs of every model run, and one group run per ``dvc repro``
(the browser itself: tests/integration/test_mlflow_ui.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import mlflow
import pytest
from mlflow.entities import ExperimentTag
from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore
from sqlalchemy import event
from sqlalchemy.engine import Engine

from trustcnn.tracking import model_run
from trustcnn.tracking.datasets import context_of, inherit_inputs, log_splits, reading, split_input
from trustcnn.tracking.experiments import KIND_TAG, MODEL_DEVELOPMENT, mark_model_development
from trustcnn.tracking.invocation import GROUP_TAG, INVOCATION_TAG, Invocation, dvc_invocation, open_group


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[mlflow.MlflowClient]:
    # No experiment set by an earlier test (MLflow keeps it process-wide, by id, whatever the store).
    monkeypatch.setattr(mlflow.tracking.fluent, "_active_experiment_id", None)
    reading(None)  # nor a node's splits left by an in-process kedro run that stopped before the node ran
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    try:
        yield mlflow.MlflowClient()
    finally:
        while mlflow.active_run():
            mlflow.end_run()
        mlflow.set_tracking_uri(None)


def _inputs(client: mlflow.MlflowClient, run_id: str) -> dict[str, tuple[str, str, str]]:
    """{name: (digest, source, context)} of a run's dataset inputs."""
    return {
        i.dataset.name: (i.dataset.digest, i.dataset.source, {t.key: t.value for t in i.tags}["mlflow.data.context"])
        for i in client.get_run(run_id).inputs.dataset_inputs
    }


def test_outside_kedro_a_model_run_marks_its_experiment_and_inherits_the_splits_its_parent_read(store: mlflow.MlflowClient) -> None:
    experiment = store.create_experiment("trustcnn-replicates")  # any experiment, however it was created
    with mlflow.start_run(experiment_id=experiment, run_name="transfer") as parent:
        log_splits({"train_set": ("data/03_primary/train.npz", "a" * 32), "val_set": ("data/03_primary/val.npz", "b" * 32)})
        log_splits({"train_set": ("data/03_primary/train.npz", "a" * 32)})  # the next node reads it again: once
        with model_run("baseline") as child:
            pass
    assert store.get_experiment(experiment).tags[KIND_TAG] == MODEL_DEVELOPMENT
    expected = {
        "train_set": ("a" * 32, '{"uri": "data/03_primary/train.npz"}', "training"),
        "val_set": ("b" * 32, '{"uri": "data/03_primary/val.npz"}', "validation"),
    }
    assert _inputs(store, parent.info.run_id) == expected and _inputs(store, child.info.run_id) == expected
    assert len(store.get_run(parent.info.run_id).inputs.dataset_inputs) == 2


def test_in_a_kedro_node_a_model_run_logs_the_splits_of_that_node_and_the_evaluation_adds_the_test_split(
    store: mlflow.MlflowClient,
) -> None:
    experiment = store.create_experiment("trustcnn")
    every = {name: (f"data/03_primary/{name}.npz", name[0] * 32) for name in ("train_set", "val_set", "train_no_decoy_set")}
    with mlflow.start_run(experiment_id=experiment, run_name="transfer") as parent:
        log_splits(every)  # what the kedro run's nodes read so far
        reading({"train_no_decoy_set": every["train_no_decoy_set"]})  # hooks.py, before the node that trains no_decoy
        try:
            with model_run("no_decoy") as child:
                pass
        finally:
            reading(None)
        log_splits({"test_set": ("data/03_primary/test.npz", "e" * 32)})  # the evaluation's node read the test split
        inherit_inputs(parent.info.run_id, child.info.run_id, contexts={"test"})
    assert set(_inputs(store, child.info.run_id)) == {"train_no_decoy_set", "test_set"}


def test_a_kind_someone_chose_in_the_ui_is_kept(store: mlflow.MlflowClient) -> None:
    experiment = store.create_experiment("chosen", tags={KIND_TAG: "genai_development"})
    mark_model_development(experiment)
    assert store.get_experiment(experiment).tags[KIND_TAG] == "genai_development"


@contextmanager
def _another_worker_writes_first(table: str, write: Callable[[], None]) -> Iterator[list[str]]:
    """As two ParallelRunner workers do: just before this process inserts into ``table``,
    ``write`` (the other worker's write of the same rows, on its own connection) commits."""
    raced: list[str] = []

    def before(conn, cursor, statement: str, *args) -> None:
        if statement.startswith(f"INSERT INTO {table} ") and not raced:
            raced.append(statement)
            write()

    event.listen(Engine, "before_cursor_execute", before)
    try:
        yield raced
    finally:
        event.remove(Engine, "before_cursor_execute", before)
    assert raced, f"the other worker never wrote into {table} first"


def _other_store(client: mlflow.MlflowClient) -> SqlAlchemyStore:
    """The same tracking database on a connection of its own, as another worker process has it."""
    database = Path(client.tracking_uri.removeprefix("sqlite:///"))
    return SqlAlchemyStore(client.tracking_uri, str(database.parent / "mlartifacts"))


def test_a_worker_that_loses_the_race_to_log_the_same_split_logs_it_once(store: mlflow.MlflowClient) -> None:
    splits = {"train_set": ("data/03_primary/train.npz", "a" * 32), "test_set": ("data/03_primary/test.npz", "e" * 32)}
    experiment = store.create_experiment("trustcnn")
    with mlflow.start_run(experiment_id=experiment, run_name="sibling"):
        log_splits(splits)  # the datasets exist; the workers race on the run's input rows
    run = mlflow.start_run(experiment_id=experiment, run_name="transfer")
    other = _other_store(store)
    inputs = [split_input(name, *where) for name, where in splits.items()]
    with _another_worker_writes_first("inputs", lambda: other.log_inputs(run.info.run_id, datasets=inputs)):
        log_splits(splits)
    assert {name: digest for name, (digest, _, _) in _inputs(store, run.info.run_id).items()} == {
        "train_set": "a" * 32,
        "test_set": "e" * 32,
    }
    assert len(store.get_run(run.info.run_id).inputs.dataset_inputs) == 2


def test_a_worker_that_loses_the_race_to_mark_the_experiment_goes_on(store: mlflow.MlflowClient) -> None:
    experiment = store.create_experiment("trustcnn")
    other = _other_store(store)
    with _another_worker_writes_first(
        "experiment_tags", lambda: other.set_experiment_tag(experiment, ExperimentTag(KIND_TAG, MODEL_DEVELOPMENT))
    ):
        mark_model_development(experiment)
    assert store.get_experiment(experiment).tags[KIND_TAG] == MODEL_DEVELOPMENT


def test_contexts_follow_the_split_names() -> None:
    assert [context_of(n) for n in ("train_set", "source_val_set", "test_set", "val_no_decoy", "masks")] == [
        "training",
        "validation",
        "test",
        "validation",
        "input",
    ]


FAKE_DVC = """#!{python}
import os, subprocess, sys
# Like DVC: run the stage's command in a shell, with DVC_STAGE set.
sys.exit(subprocess.call(sys.argv[-1], shell=True, env={{**os.environ, "DVC_STAGE": "trust"}}))
"""
PRINT_INVOCATION = "from trustcnn.tracking.invocation import dvc_invocation as d; i = d(); print(i.pid, int(i.started), i.command, i.key)"


def test_a_stage_finds_the_dvc_command_that_runs_it(tmp_path: Path) -> None:
    dvc = tmp_path / "bin" / "dvc"
    dvc.parent.mkdir()
    dvc.write_text(FAKE_DVC.format(python=sys.executable))
    dvc.chmod(0o755)
    stage = f"{sys.executable} -c '{PRINT_INVOCATION}'"
    started = time.time()
    process = subprocess.Popen([str(dvc), "repro", stage], stdout=subprocess.PIPE, text=True)
    out, _ = process.communicate(timeout=600)
    pid, when, command, key = out.split(" ", 2)[0], out.split(" ", 2)[1], *out.strip().split(" ", 2)[2].rsplit(" ", 1)
    assert int(pid) == process.pid and abs(int(when) - started) < 300  # the dvc process: its id and start time
    assert command == f"dvc repro {stage}" and key.endswith(f"Z-{process.pid}")
    assert dvc_invocation({}) is None  # not a DVC stage


def test_the_stages_of_one_dvc_command_nest_under_one_group_run(store: mlflow.MlflowClient) -> None:
    experiment = mlflow.set_experiment("trustcnn").experiment_id  # as kedro-mlflow does before every run
    invocation = Invocation(pid=os.getpid(), started=time.time(), command="dvc repro")
    stages = []
    for stage in ("ingestion", "baseline"):
        group = open_group(invocation, experiment)
        assert store.get_run(group).info.status == "RUNNING"
        with mlflow.start_run(run_name=stage, nested=True) as run:
            stages.append(run.info.run_id)
        mlflow.end_run()
        assert store.get_run(group).info.status == "FINISHED"
    groups = store.search_runs([experiment], f"tags.{GROUP_TAG} = 'true'")
    assert [g.info.run_id for g in groups] == [group] and groups[0].info.run_name == "dvc repro"
    assert groups[0].data.tags[INVOCATION_TAG] == invocation.key and "each DVC stage" in groups[0].data.tags["mlflow.note.content"]
    assert [store.get_run(s).data.tags["mlflow.parentRunId"] for s in stages] == [group, group]
    other = Invocation(pid=os.getpid(), started=time.time() + 5, command="dvc repro")  # the next `dvc repro`
    assert open_group(other, experiment) != group


def test_the_runs_page_of_a_file_store_is_on_mlflow_ui(tmp_path: Path) -> None:
    from trustcnn.tracking.experiments import runs_page

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    experiment = mlflow.MlflowClient(uri).create_experiment("trustcnn")
    assert runs_page("trustcnn", uri) == f"http://127.0.0.1:5000/#/experiments/{experiment}/runs"
    with pytest.raises(ValueError, match="has no experiment 'trustcnn-smoke'"):
        runs_page("trustcnn-smoke", uri)
