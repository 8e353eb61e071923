"""One ``kedro run`` at a time per project.

Runs in one project share ``data/`` — the splits, the models, the run-id files that later
stages use to reopen a model's MLflow run — so two at once would mix their outputs. The lock
is an advisory ``flock`` on a file: the operating system releases it when the process ends,
however it ends, so a killed run never leaves the project locked.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from pathlib import Path
from typing import IO

from trustcnn.runtime.errors import UserError


class ProjectBusy(UserError, RuntimeError):
    """Another run holds the project."""


class RunLock:
    def __init__(self, path: Path, handle: IO[str]) -> None:
        self.path = path
        self._handle = handle

    @classmethod
    def acquire(cls, path: str | os.PathLike[str], what: str) -> RunLock:
        """Hold the lock at ``path`` (``what`` describes this run), or raise
        :class:`ProjectBusy` naming the run that holds it."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "{}"
            handle.close()
            raise ProjectBusy(_busy_message(path, holder)) from None
        handle.seek(0)
        handle.truncate()
        started = time.strftime("%Y-%m-%d %H:%M:%S")
        handle.write(json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "started": started, "run": what}))
        handle.flush()
        return cls(path, handle)

    def release(self) -> None:
        if not self._handle.closed:
            self._handle.close()  # closing the descriptor releases the flock


def _busy_message(path: Path, holder: str) -> str:
    try:
        info = json.loads(holder)
    except json.JSONDecodeError:
        info = {}
    who = f"pid {info.get('pid', '?')} on {info.get('host', '?')}, started {info.get('started', '?')}: {info.get('run', '?')}"
    return (
        f"another kedro run is using this project ({who}); runs in one project share data/ and the model "
        f"runs' id files, so they must not overlap. Wait for it to finish, or run in a copy of the project. "
        f"(lock: {path})"
    )
