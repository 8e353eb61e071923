"""Honest MLflow run states, against a real SQLite tracking store."""

from __future__ import annotations

import gc
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import mlflow
import pytest

from trustcnn.tracking.liveness import HOST, PID, check_reachable, close_stale_runs, end_active_runs, liveness_tags


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait(timeout=300)
    return process.pid


@pytest.fixture
def client(tmp_path: Path) -> mlflow.MlflowClient:
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    yield mlflow.MlflowClient()
    while mlflow.active_run():
        mlflow.end_run()
    mlflow.set_tracking_uri(None)


def test_runs_of_a_dead_process_on_this_host_are_closed_as_killed(client: mlflow.MlflowClient) -> None:
    experiment = client.create_experiment("trustcnn")
    dead = client.create_run(experiment, tags={PID: str(_dead_pid()), HOST: socket.gethostname()})
    alive = client.create_run(experiment, tags=liveness_tags())
    elsewhere = client.create_run(experiment, tags={PID: str(_dead_pid()), HOST: "another-machine"})
    assert close_stale_runs(client) == [dead.info.run_id]
    assert client.get_run(dead.info.run_id).info.status == "KILLED"
    assert client.get_run(alive.info.run_id).info.status == "RUNNING"
    assert client.get_run(elsewhere.info.run_id).info.status == "RUNNING"


def test_active_runs_end_innermost_first_with_the_given_status(client: mlflow.MlflowClient) -> None:
    parent = mlflow.start_run(run_name="transfer")
    child = mlflow.start_run(run_name="baseline", nested=True)
    assert end_active_runs("KILLED") == [child.info.run_id, parent.info.run_id]
    assert mlflow.active_run() is None
    assert {client.get_run(r.info.run_id).info.status for r in (parent, child)} == {"KILLED"}


def test_an_unreachable_server_fails_fast_naming_the_uri() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    start = time.monotonic()
    with pytest.raises(ConnectionError, match=rf"http://127.0.0.1:{port} \(MLFLOW_TRACKING_URI\) did not answer within 3 s"):
        check_reachable(f"http://127.0.0.1:{port}", timeout_s=3)
    assert time.monotonic() - start < 60  # generous: the bound is 3 s, the machine may be busy
    check_reachable("sqlite:///anything.db")  # no server to reach


def test_a_write_lock_left_in_dead_frames_does_not_keep_the_runs_running(client: mlflow.MlflowClient, tmp_path: Path) -> None:
    """Ctrl-C during an MLflow write leaves its SQLite connection, mid-transaction, reachable only
    through a reference cycle (the interrupted frames): ending the runs must not wait on its lock."""
    run = mlflow.start_run(experiment_id=client.create_experiment("trustcnn"))  # not set_experiment: no global left behind
    gc.disable()  # as for garbage in an older generation: no automatic collection in between
    try:
        held = sqlite3.connect(tmp_path / "mlflow.db")
        held.execute("BEGIN IMMEDIATE")  # the write lock an interrupted commit holds
        cycle: list = [held]
        cycle.append(cycle)
        del held, cycle
        assert end_active_runs("KILLED") == [run.info.run_id]
    finally:
        gc.enable()
    assert client.get_run(run.info.run_id).info.status == "KILLED"
