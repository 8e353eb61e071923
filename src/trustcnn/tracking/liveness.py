"""Honest run states: a run that ended badly is never shown FINISHED or RUNNING for good.

- Every run this process opens carries :func:`liveness_tags` (pid and host), so a later run
  can tell a run whose process died (SIGKILL, power cut) from one still going, and close it
  as KILLED (:func:`close_stale_runs`).
- :func:`end_active_runs` ends the runs still open in this process — nested first — with the
  status the interruption deserves (MLflow's own exit handler would mark them FINISHED).
- :func:`check_reachable` fails fast, naming the URI, when a tracking server is down, instead
  of MLflow's minutes of retries.
"""

from __future__ import annotations

import gc
import os
import socket
import time
import urllib.error
import urllib.request

import mlflow
from mlflow.entities import RunStatus

from trustcnn.runtime.errors import UserError
from trustcnn.runtime.processes import pid_alive


class TrackingServerDown(UserError, ConnectionError):
    """``MLFLOW_TRACKING_URI`` names a server that does not answer."""


PID, HOST = "trustcnn.pid", "trustcnn.host"


def liveness_tags() -> dict[str, str]:
    return {PID: str(os.getpid()), HOST: socket.gethostname()}


def close_stale_runs(client: mlflow.MlflowClient | None = None) -> list[str]:
    """Mark KILLED every RUNNING run opened on this host by a process that no longer exists;
    returns their ids. (Runs from other hosts are left alone: their process can't be seen.)"""
    client = client or mlflow.MlflowClient()
    experiments = [e.experiment_id for e in client.search_experiments()]
    if not experiments:
        return []
    stale = []
    for run in client.search_runs(experiments, filter_string="attributes.status = 'RUNNING'", max_results=1000):
        tags = run.data.tags
        pid = tags.get(PID, "")
        if tags.get(HOST) == socket.gethostname() and pid.isdigit() and int(pid) != os.getpid() and not pid_alive(int(pid)):
            client.set_terminated(run.info.run_id, status=RunStatus.to_string(RunStatus.KILLED))
            stale.append(run.info.run_id)
    return stale


def end_active_runs(status: str) -> list[str]:
    """End every run still active in this process, innermost first, with ``status``;
    returns their ids (once each: MLflow's stack may hold a reopened run more than once).

    A signal that lands in the middle of an MLflow write leaves that write's SQLite connection
    — and the database's write lock — in the dead frames of the interrupted call, which only a
    reference cycle keeps alive; the runs could then not be ended ("database is locked"). So the
    garbage is collected first, which closes that connection and rolls its transaction back."""
    gc.collect()
    ended: list[str] = []
    while (run := mlflow.active_run()) is not None:
        ended += [run.info.run_id] if run.info.run_id not in ended else []
        mlflow.end_run(status=status)
    return ended


def check_reachable(uri: str, timeout_s: float = 30.0) -> None:
    """For an ``http(s)`` tracking URI, wait at most ``timeout_s`` for the server's health
    endpoint; raise naming the URI if it never answers. Other URIs need no server."""
    if not uri.startswith(("http://", "https://")):
        return
    deadline, error = time.monotonic() + timeout_s, None
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{uri.rstrip('/')}/health", timeout=min(5.0, max(0.5, deadline - time.monotonic()))).close()
            return
        except urllib.error.HTTPError:
            return  # it answered
        except OSError as exc:
            error = exc
            time.sleep(min(2.0, max(0.0, deadline - time.monotonic())))
    raise TrackingServerDown(
        f"the MLflow tracking server {uri} (MLFLOW_TRACKING_URI) did not answer within {timeout_s:.0f} s: {error}. "
        "Start it, or unset MLFLOW_TRACKING_URI to track into the project's mlflow.db."
    )
