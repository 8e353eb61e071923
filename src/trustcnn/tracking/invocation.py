"""One ``dvc repro`` (``make run``), one top-level MLflow run.

DVC runs each stage as its own ``kedro run`` — fourteen for the default pipeline. Each of
those runs is nested under one run that stands for the DVC command that started them, so the
experiment page lists one row per ``dvc repro`` (``dvc exp run``, …) with its stages inside,
and each stage's model runs inside the stage. Plain ``dvc repro`` is enough: a stage knows it
runs under DVC by the ``DVC_STAGE`` variable DVC sets, and which DVC command started it by
walking up its parent processes (Linux ``/proc``) to the ``dvc`` process; that process's id
and start time name the group (tag ``trustcnn.dvc_invocation``, also on every stage run, so
``tags.trustcnn.dvc_invocation = '…'`` finds them in the UI's search box). Elsewhere (no
``/proc``, no DVC) a ``kedro run`` is a top-level run as before.

The group run is RUNNING while one of its stages runs and ends with the status of the last
stage that ran (FINISHED, FAILED or KILLED); it carries the ``dvc`` process's id as its
liveness tag, so a ``dvc repro`` killed mid-way has it closed as KILLED by the next run.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import mlflow

from trustcnn.tracking.liveness import HOST, PID

INVOCATION_TAG = "trustcnn.dvc_invocation"  # on the group run and on each stage's run
GROUP_TAG = "trustcnn.dvc_group"  # "true" on the group run only
STAGE_TAG = "trustcnn.dvc_stage"  # on each stage's run: DVC's name of the stage (trust)
NOTE_TAG = "mlflow.note.content"  # the run's description in MLflow's UI
PROC = Path("/proc")


@dataclass(frozen=True)
class Invocation:
    """The ``dvc`` process a stage runs under: its pid, when it started, its command line."""

    pid: int
    started: float  # seconds since the epoch
    command: str

    @property
    def key(self) -> str:
        """``20250114T093502Z-4711``: unique per DVC command, readable in the UI."""
        return f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime(self.started))}-{self.pid}"


def dvc_invocation(environ: Mapping[str, str] = os.environ, proc: Path = PROC) -> Invocation | None:
    """The ``dvc`` command this process runs a stage of, or None (not under DVC, or no ``/proc``)."""
    if "DVC_STAGE" not in environ:
        return None
    pid = os.getppid()
    while pid > 1:
        argv, stat = _read(proc / str(pid) / "cmdline"), _read(proc / str(pid) / "stat")
        if argv is None or stat is None:
            return None
        args = [a for a in argv.split("\0") if a]
        at = next((i for i, arg in enumerate(args[:3]) if Path(arg).name == "dvc"), None)
        fields = stat.rsplit(")", 1)[-1].split()  # after "pid (comm)", which may hold spaces
        if at is not None:
            return Invocation(pid, _boot_time(proc) + int(fields[19]) / os.sysconf("SC_CLK_TCK"), " ".join(["dvc", *args[at + 1 :]]))
        pid = int(fields[1])
    return None


def _read(path: Path) -> str | None:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return None


def _boot_time(proc: Path) -> float:
    for line in (_read(proc / "stat") or "").splitlines():
        if line.startswith("btime "):
            return float(line.split()[1])
    return 0.0


def open_group(invocation: Invocation, experiment_id: str) -> str:
    """Make ``invocation``'s group run in ``experiment_id`` the active run (created by its
    first stage, reopened — RUNNING again — by the next ones); returns its id."""
    client = mlflow.MlflowClient()
    found = client.search_runs([experiment_id], f"tags.{INVOCATION_TAG} = '{invocation.key}' and tags.{GROUP_TAG} = 'true'", max_results=1)
    if found:
        run_id = found[0].info.run_id
    else:
        started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(invocation.started))
        note = (
            f"`{invocation.command}` (pid {invocation.pid}, started {started}): each DVC stage it ran is a "
            "`kedro run` nested here, and each model a run nested in its stage's."
        )
        tags = {INVOCATION_TAG: invocation.key, GROUP_TAG: "true", NOTE_TAG: note, PID: str(invocation.pid), HOST: socket.gethostname()}
        run_id = client.create_run(experiment_id, run_name=invocation.command[:250], tags=tags).info.run_id
    mlflow.start_run(run_id=run_id)
    return run_id


def stage_tags(invocation: Invocation, environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """The tags of a stage's run: its group and DVC's name of the stage."""
    return {INVOCATION_TAG: invocation.key, STAGE_TAG: environ.get("DVC_STAGE", "")}
