"""Which processes use an answers database: a study server holds a shared lock on it for as
long as it runs, a restore an exclusive one — so a restore never replaces the file under a
running server, and no server starts on a file being restored.

The lock is an advisory ``flock`` on ``<database>.lock`` beside the database: the operating
system releases it when the process ends, however it ends, so a killed server never leaves
the database locked. (Servers on other machines sharing the file over a network file system
are not seen.)
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from pathlib import Path
from typing import IO, TYPE_CHECKING

from trustcnn.runtime.processes import pid_alive

if TYPE_CHECKING:
    from typing import Self  # Python 3.11


class DatabaseInUse(RuntimeError):
    """A server serves the database, or a restore replaces it."""


class DatabaseLock:
    def __init__(self, handle: IO[str]) -> None:
        self._handle = handle

    @classmethod
    def acquire(cls, db: str | os.PathLike[str], what: str, *, exclusive: bool) -> DatabaseLock:
        """Hold ``db``'s lock: shared (servers) or ``exclusive`` (a restore); ``what`` says who
        holds it (``trustcnn study serve on 127.0.0.1:8000``) in the error another one gets."""
        path = lock_path(Path(db))
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holders = _holders(handle.read())
            handle.close()
            raise DatabaseInUse(f"{db} is in use by {holders}") from None
        if exclusive:  # nobody else holds it: forget the servers that have stopped
            handle.truncate(0)
        entry = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.strftime("%Y-%m-%d %H:%M:%S"), "what": what}
        handle.write(json.dumps(entry) + "\n")  # one line per holder, for the message others get; the flock is the lock
        handle.flush()
        return cls(handle)

    def release(self) -> None:
        if not self._handle.closed:
            self._handle.close()  # closing the descriptor releases the flock

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def lock_path(db: Path) -> Path:
    return db.with_name(f"{db.name}.lock")


def _holders(text: str) -> str:
    """The live holders the lock file names, for an error message."""
    entries = {}
    for line in text.splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if entry.get("host") != socket.gethostname() or pid_alive(int(entry.get("pid", 0))):
            entries[entry.get("pid")] = entry
    described = [f"pid {e.get('pid')} on {e.get('host')} since {e.get('since')}: {e.get('what')}" for e in entries.values()]
    return "; ".join(described) or "another process"
