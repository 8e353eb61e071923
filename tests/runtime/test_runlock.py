"""One kedro run per project: the second is refused, naming the first."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from trustcnn.runtime.runlock import ProjectBusy, RunLock

HOLD = """
import sys, time
from trustcnn.runtime.runlock import RunLock
lock = RunLock.acquire(sys.argv[1], "kedro run --pipelines=transfer")
print("held", flush=True)
time.sleep(600)
"""


def test_a_second_holder_is_refused_with_the_first_ones_pid_until_it_exits(tmp_path: Path) -> None:
    path = tmp_path / "run.lock"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(ProjectBusy, match=rf"pid {holder.pid} .*kedro run --pipelines=transfer"):
            RunLock.acquire(path, "second")
    finally:
        holder.kill()  # even SIGKILL releases it: the OS drops the flock with the process
        holder.wait(timeout=300)
    RunLock.acquire(path, "after").release()


def test_released_lock_can_be_taken_again(tmp_path: Path) -> None:
    lock = RunLock.acquire(tmp_path / "run.lock", "first")
    assert f'"pid": {os.getpid()}' in (tmp_path / "run.lock").read_text()
    lock.release()
    RunLock.acquire(tmp_path / "run.lock", "second").release()
