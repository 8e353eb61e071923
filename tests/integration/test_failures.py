"""What happens when things go wrong, with the real kedro CLI: interruption, a killed run,
two runs at once, an unreachable tracking server, a stage that fails half-way."""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from trustcnn.runtime.runlock import RunLock

from .conftest import KEDRO, SMOKE_DATA, SMOKE_RUN, kedro


def _outputs(project: Path) -> dict[str, str]:
    """Every output file under data/ (the run lock aside) with its content hash."""
    return {
        str(p.relative_to(project)): hashlib.md5(p.read_bytes()).hexdigest()
        for p in sorted((project / "data").rglob("*"))
        if p.is_file() and ".trustcnn" not in p.parts
    }


def _start(project: Path, *args: str) -> tuple[subprocess.Popen, Path]:
    log = project / "run.log"
    env = {**{k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}, "KEDRO_DISABLE_TELEMETRY": "1", "MPLBACKEND": "Agg"}
    # As in a terminal: a shell's background job (e.g. CI started with `&`) ignores SIGINT, and
    # an ignored disposition is inherited, so Ctrl-C's signal would never reach the run.
    process = subprocess.Popen(
        [str(KEDRO), "run", *args],
        cwd=project,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # noqa: PLW1509 - this test starts no threads
    )
    return process, log


def _wait_for(log: Path, text: str, process: subprocess.Popen, timeout: float = 900) -> None:
    deadline = time.monotonic() + timeout
    while text not in log.read_text(errors="replace"):
        assert process.poll() is None, f"the run ended before {text!r}:\n{log.read_text()[-3000:]}"
        assert time.monotonic() < deadline, f"no {text!r} within {timeout} s"
        time.sleep(0.5)


def _statuses(project: Path) -> dict[str, list[str]]:
    client = MlflowClient(tracking_uri=f"sqlite:///{project / 'mlflow.db'}")
    runs = [r for e in client.search_experiments() for r in client.search_runs([e.experiment_id])]
    statuses: dict[str, list[str]] = {}
    for run in runs:
        statuses.setdefault(run.info.status, []).append(run.info.run_name)
    return statuses


def _error_lines(result: subprocess.CompletedProcess) -> list[str]:
    """The ``Error:`` lines of a run that failed on a user error: no traceback."""
    output = result.stdout + result.stderr
    assert result.returncode == 1, output[-3000:]
    assert "Traceback" not in output, output[-3000:]
    return [line for line in output.splitlines() if line.startswith("Error:")]


def _first_ingestion(project: Path) -> dict[str, str]:
    first = kedro(project, "run", "--pipelines=ingestion", "--env=smoke")
    assert first.returncode == 0, first.stderr[-3000:]
    return _outputs(project)


def _interrupted_training(project: Path, how: signal.Signals) -> subprocess.Popen:
    """A whole run with other splits (seed 1) stopped by ``how`` while the baseline trains —
    after it replaced the splits of the first ingestion (seed 0)."""
    process, log = _start(project, "--pipelines=transfer", "--env=smoke", "--params=data.seed=1")
    _wait_for(log, "Running node: train_baseline", process)
    time.sleep(2)
    process.send_signal(how)
    process.wait(timeout=600)
    return process


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_interrupted_training_restores_outputs_and_ends_runs_killed(project: Path, how: signal.Signals) -> None:
    before = _first_ingestion(project)
    process = _interrupted_training(project, how)
    output = (project / "run.log").read_text(errors="replace")
    assert process.returncode != 0
    assert _outputs(project) == before, "the interrupted run changed an earlier output"
    assert "rolled back" in output
    statuses = _statuses(project)
    assert "RUNNING" not in statuses, (statuses, output[-4000:])
    assert SMOKE_RUN in statuses["KILLED"], (statuses, output[-4000:])
    assert not list((project / "data" / ".trustcnn").glob("journal-*"))
    again = kedro(project, "run", "--pipelines=ingestion", "--env=smoke")
    assert again.returncode == 0, again.stderr[-3000:]


def test_a_run_killed_with_sigkill_is_cleaned_up_by_the_next_run(project: Path) -> None:
    before = _first_ingestion(project)
    process = _interrupted_training(project, signal.SIGKILL)
    assert process.returncode == -signal.SIGKILL
    assert "RUNNING" in _statuses(project)
    assert _outputs(project) != before, "the killed run had replaced the splits"
    assert list((project / "data" / ".trustcnn").glob("journal-*")), "the killed run's journal is left for the next"
    nxt = kedro(project, "run", "--pipelines=ingestion", "--env=smoke")
    output = " ".join((nxt.stdout + nxt.stderr).split())
    assert nxt.returncode == 0, output[-3000:]
    assert "an earlier run died mid-way; restored" in output
    assert "as KILLED" in output
    statuses = _statuses(project)
    assert "RUNNING" not in statuses and SMOKE_RUN in statuses["KILLED"]
    assert not list((project / "data" / ".trustcnn").glob("journal-*"))
    assert not list((project / "data").rglob(".*.tmp-*"))
    assert _outputs(project) == before


def test_a_second_run_in_the_same_project_is_refused_naming_the_first(project: Path) -> None:
    lock = RunLock.acquire(project / "data" / ".trustcnn" / "run.lock", "kedro run --pipelines=transfer")
    try:
        result = kedro(project, "run", "--pipelines=ingestion", "--env=smoke")
    finally:
        lock.release()
    (line,) = _error_lines(result)
    assert line.startswith(f"Error: another kedro run is using this project (pid {os.getpid()} on ")
    assert line.endswith(f"Wait for it to finish, or run in a copy of the project. (lock: {project.resolve()}/data/.trustcnn/run.lock)")
    assert "Running node" not in result.stdout + result.stderr


def test_an_unreachable_tracking_server_fails_within_about_30_s_naming_it(project: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        uri = f"http://127.0.0.1:{probe.getsockname()[1]}"
    start = time.monotonic()
    result = kedro(project, "run", "--pipelines=ingestion", "--env=smoke", env={"MLFLOW_TRACKING_URI": uri})
    elapsed = time.monotonic() - start
    (line,) = _error_lines(result)
    assert line.startswith(f"Error: the MLflow tracking server {uri} (MLFLOW_TRACKING_URI) did not answer within 30 s: ")
    assert line.endswith("Start it, or unset MLFLOW_TRACKING_URI to track into the project's mlflow.db.")
    assert elapsed < 240, elapsed  # 30 s plus start-up, with room for a busy machine


@pytest.mark.parametrize("blocked", [SMOKE_DATA / "08_reporting/ingestion_report.csv", SMOKE_DATA / "08_reporting/data_preview.png"])
def test_a_stage_that_fails_half_way_changes_no_earlier_output(project: Path, blocked: Path) -> None:
    _first_ingestion(project)
    (project / blocked).unlink()
    (project / blocked).mkdir()  # a folder where a file must go: the save fails after the splits'
    before = _outputs(project)
    result = kedro(project, "run", "--pipelines=ingestion", "--env=smoke", "--params=data.seed=1")
    assert result.returncode != 0
    assert _outputs(project) == before
    assert "rolled back" in " ".join((result.stdout + result.stderr).split())
