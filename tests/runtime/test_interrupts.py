"""Ctrl-C and SIGTERM held back while MLflow writes, with real signals and a real SQLite store."""

from __future__ import annotations

import os
import signal
import sys
import time
import traceback
from collections.abc import Iterator
from pathlib import Path

import mlflow
import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from trustcnn.hooks.run_guard import TRACKING_PACKAGES
from trustcnn.runtime.interrupts import DeferredInterrupts, Interrupted
from trustcnn.tracking.liveness import end_active_runs


@pytest.fixture
def tracking(tmp_path: Path) -> Iterator[mlflow.MlflowClient]:
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    client = mlflow.MlflowClient()
    client.search_experiments()  # the store's tables exist before any signal is sent
    yield client
    while mlflow.active_run():
        mlflow.end_run()
    mlflow.set_tracking_uri(None)


@pytest.fixture
def deferred() -> Iterator[DeferredInterrupts]:
    interrupts = DeferredInterrupts(TRACKING_PACKAGES)
    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGALRM)}
    interrupts.install()
    yield interrupts
    interrupts.uninstall()
    assert {s: signal.getsignal(s) for s in before} == before, "uninstall put the handlers back"


class SignalsOnWrites:
    """Once :meth:`arm`-ed, sends this process a signal as SQLAlchemy sends the next
    ``INSERT INTO runs`` (a run being created), and the next signal with each statement after."""

    def __init__(self) -> None:
        self._signals: list[int] = []
        self._started = False

    def arm(self, *signums: int) -> None:
        self._signals, self._started = list(signums), False

    def before_cursor_execute(self, conn, cursor, statement: str, *args) -> None:
        self._started = self._started or statement.startswith("INSERT INTO runs")
        if self._started and self._signals:
            os.kill(os.getpid(), self._signals.pop(0))


@pytest.fixture
def writes() -> Iterator[SignalsOnWrites]:
    sender = SignalsOnWrites()
    event.listen(Engine, "before_cursor_execute", sender.before_cursor_execute)
    yield sender
    event.remove(Engine, "before_cursor_execute", sender.before_cursor_execute)


def _wait_for_the_signal() -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(0.005)
    pytest.fail("the held-back SIGTERM never came")


@pytest.mark.usefixtures("deferred")
def test_sigterm_during_start_run_waits_until_the_run_is_on_the_stack(tracking: mlflow.MlflowClient, writes: SignalsOnWrites) -> None:
    parent = mlflow.start_run(run_name="transfer", experiment_id=tracking.create_experiment("trustcnn"))
    writes.arm(signal.SIGTERM)
    child = None
    with pytest.raises(Interrupted, match="SIGTERM"):
        child = mlflow.start_run(run_name="baseline", nested=True)
        _wait_for_the_signal()
    assert child is not None, "SIGTERM was raised inside mlflow.start_run"
    assert mlflow.active_run().info.run_id == child.info.run_id, "the run was left off MLflow's stack"
    # As RunGuard does at exit; nothing is locked: the interrupted connection was never left mid-transaction.
    assert end_active_runs("KILLED") == [child.info.run_id, parent.info.run_id]
    assert {tracking.get_run(r.info.run_id).info.status for r in (child, parent)} == {"KILLED"}


@pytest.mark.usefixtures("deferred")
def test_a_caller_that_returns_the_write_at_once_is_interrupted_in_its_own_caller(
    tracking: mlflow.MlflowClient, writes: SignalsOnWrites
) -> None:
    def start() -> mlflow.ActiveRun:  # no line of its own after the write
        return mlflow.start_run(run_name="baseline", nested=True)

    mlflow.start_run(run_name="transfer", experiment_id=tracking.create_experiment("trustcnn"))
    trace = sys.gettrace()
    writes.arm(signal.SIGTERM)
    child = None
    with pytest.raises(Interrupted):
        child = start()
        _wait_for_the_signal()
    assert child is not None and mlflow.active_run().info.run_id == child.info.run_id
    assert sys.gettrace() is trace, "the trace function set before is back"


@pytest.mark.usefixtures("deferred")
def test_a_second_signal_while_one_waits_interrupts_at_once(tracking: mlflow.MlflowClient, writes: SignalsOnWrites) -> None:
    mlflow.start_run(run_name="transfer", experiment_id=tracking.create_experiment("trustcnn"))
    writes.arm(signal.SIGTERM, signal.SIGINT)  # Ctrl-C as the statement after the run's INSERT goes out
    with pytest.raises(KeyboardInterrupt) as raised:
        mlflow.start_run(run_name="baseline", nested=True)
    assert type(raised.value) is KeyboardInterrupt  # Ctrl-C's own exception, not the held-back SIGTERM's
    assert any(frame.f_globals["__name__"].startswith("sqlalchemy") for frame, _ in traceback.walk_tb(raised.tb)), (
        "raised where the run was"
    )


def test_outside_the_packages_a_signal_interrupts_at_once(deferred: DeferredInterrupts) -> None:
    with pytest.raises(Interrupted, match="SIGTERM"):
        os.kill(os.getpid(), signal.SIGTERM)
        _wait_for_the_signal()
    with pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGINT)
        _wait_for_the_signal()


def test_a_frame_is_inside_when_it_or_a_caller_runs_code_of_the_packages() -> None:
    store: dict = {"__name__": "tracker.store"}  # a function as module tracker.store would define it
    exec("def write(callback):\n    return callback()", store)
    interrupts = DeferredInterrupts(["tracker"])
    assert not interrupts.inside(sys._getframe())
    assert store["write"](lambda: interrupts.inside(sys._getframe()))
    assert not DeferredInterrupts(["track"]).inside(sys._getframe()), "a package's name, not a prefix of it"
    assert not store["write"](lambda: DeferredInterrupts(["track"]).inside(sys._getframe()))
