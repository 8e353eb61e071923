"""Backups of the answers database, taken while the study server runs, and their restore.

A backup is a copy made with SQLite's online backup API while holding the database's write
lock for the moment of the copy: the server's next answer waits (milliseconds for a study's
database), so the copy holds every answer acknowledged before the backup finished
(:attr:`Backup.finished_at`) and none half-written. It is written under a temporary name,
checked with ``PRAGMA integrity_check`` and only then renamed to its timestamped name; it is a
single file (no ``-wal``), ready to copy anywhere.

By default backups go to :func:`default_folder` — outside the project, so ``git clean``,
``make clean`` or a re-run of the pipeline never touch them; for a disk fault, choose a folder
on another disk.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from trustcnn.user_study.serving import DatabaseInUse, DatabaseLock

TABLES = ("studies", "participants", "answers")  # what makes a file an answers database


class NotAnswers(ValueError):
    """A file that is no (healthy) answers database."""


@dataclass(frozen=True)
class Backup:
    path: Path
    finished_at: float  # time.time() at which the copy held every answer committed so far
    answers: int
    participants: int


def default_folder() -> Path:
    """``$XDG_DATA_HOME/trustcnn/user_study-backups`` (``~/.local/share/trustcnn/user_study-backups``)."""
    data_home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data_home) / "trustcnn" / "study-backups"


def backup(db: str | os.PathLike[str], folder: str | os.PathLike[str]) -> Backup:
    """Copy the answers database ``db`` into ``folder`` as ``<db stem>-<UTC time>.sqlite``,
    consistent while a server writes to it; raises :class:`NotAnswers` for a file that isn't one."""
    db, folder = Path(db), Path(folder)
    check_answers(db, check_integrity=False)  # the copy is checked below; this only names a wrong file early
    folder.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    tmp = folder / f".{db.stem}-{stamp}.tmp-{os.getpid()}-{threading.get_ident()}.sqlite"
    try:
        with (
            closing(sqlite3.connect(db, timeout=30, isolation_level=None)) as writers,
            closing(sqlite3.connect(db, timeout=30)) as source,
            closing(sqlite3.connect(tmp)) as copy,
        ):
            writers.execute("BEGIN IMMEDIATE")  # the write lock: no answer commits while we copy
            try:
                source.backup(copy)
                finished_at = time.time()
            finally:
                writers.execute("ROLLBACK")
            copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        answers, participants = check_answers(tmp)
        return Backup(_claim(tmp, folder, f"{db.stem}-{stamp}"), finished_at, answers, participants)
    finally:
        tmp.unlink(missing_ok=True)


def _claim(tmp: Path, folder: Path, stem: str) -> Path:
    """Link ``tmp`` to ``<stem>.sqlite`` in ``folder`` — or ``<stem>-2.sqlite``, … if taken
    (two backups in one second): never over an earlier backup."""
    for n in range(1, 1000):
        final = folder / (f"{stem}.sqlite" if n == 1 else f"{stem}-{n}.sqlite")
        try:
            os.link(tmp, final)
            return final
        except FileExistsError:
            continue
    raise FileExistsError(f"{folder / stem}.sqlite and 998 numbered siblings exist")


def check_answers(path: Path, *, check_integrity: bool = True) -> tuple[int, int]:
    """(answers, participants) in the answers database ``path``; raises :class:`NotAnswers`
    naming the file when it is missing, no SQLite database, damaged or without the study's tables."""
    if not path.is_file():
        raise NotAnswers(f"{path} {'is not a file' if path.exists() else 'does not exist'}")
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)) as connection:
            if check_integrity and (verdict := connection.execute("PRAGMA integrity_check").fetchall()) != [("ok",)]:
                raise NotAnswers(f"{path} is damaged (PRAGMA integrity_check: {'; '.join(str(r[0]) for r in verdict[:3])})")
            present = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if missing := [t for t in TABLES if t not in present]:
                raise NotAnswers(f"{path} is not a study's answers database (no table {', '.join(missing)})")
            return tuple(connection.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("answers", "participants"))
    except sqlite3.DatabaseError as error:
        raise NotAnswers(f"{path} is not a readable SQLite database ({error})") from None


@dataclass(frozen=True)
class Restored:
    db: Path
    replaced: Path | None  # where the database it replaced was kept, if there was one
    answers: int
    participants: int


def restore(source: str | os.PathLike[str], db: str | os.PathLike[str]) -> Restored:
    """Make the backup ``source`` the answers database ``db``. Refuses (:class:`DatabaseInUse`)
    while a study server serves ``db``; a database already at ``db`` is kept, renamed to
    ``<db stem>.replaced-<UTC time><suffix>`` beside it (with its ``-wal``, which may hold its
    latest answers). The backup is checked before anything is replaced."""
    source, db = Path(source), Path(db)
    answers, participants = check_answers(source)
    if source.resolve() == db.resolve():
        raise NotAnswers(f"{source} is the database itself: name a backup to restore")
    with DatabaseLock.acquire(db, f"trustcnn study restore {source}", exclusive=True):
        db.parent.mkdir(parents=True, exist_ok=True)
        tmp = db.with_name(f".{db.stem}.restore-{os.getpid()}{db.suffix}")
        try:
            with closing(sqlite3.connect(source, timeout=30)) as backup_file, closing(sqlite3.connect(tmp)) as copy:
                backup_file.backup(copy)
                copy.execute("PRAGMA journal_mode = WAL")  # as the server keeps it
            replaced = _keep(db)
            os.replace(tmp, db)
        finally:
            tmp.unlink(missing_ok=True)
    return Restored(db, replaced, answers, participants)


def _keep(db: Path) -> Path | None:
    """Rename ``db`` and its ``-wal``/``-shm`` to ``<stem>.replaced-<time><suffix>`` (+ the same
    endings; ``-2``, … after the time when taken): SQLite reads the renamed pair as the
    database it was."""
    if not db.exists():
        for ending in ("-wal", "-shm"):  # a journal without its database would be laid over the new one
            Path(f"{db}{ending}").unlink(missing_ok=True)
        return None
    stem = f"{db.stem}.replaced-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}"
    kept = next(path for n in range(1, 1000) if not (path := db.with_name(f"{stem}{f'-{n}' if n > 1 else ''}{db.suffix}")).exists())
    for ending in ("-wal", "-shm"):
        if Path(f"{db}{ending}").exists():
            os.replace(f"{db}{ending}", f"{kept}{ending}")
    os.replace(db, kept)
    return kept


class BackupSchedule:
    """Back ``db`` up into ``folder`` every ``minutes`` on a background thread, and once more
    on :meth:`stop`; ``report`` gets a line per backup (or per failed one: the server goes on)."""

    def __init__(self, db: Path, folder: Path, minutes: float, report: Callable[[str], None]) -> None:
        self._db, self._folder, self._seconds, self._report = db, folder, minutes * 60, report
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="study-backups", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join()
        self.once()

    def _loop(self) -> None:
        while not self._stopped.wait(self._seconds):
            self.once()

    def once(self) -> None:
        try:
            taken = backup(self._db, self._folder)
        except (OSError, sqlite3.Error, NotAnswers) as error:
            self._report(f"backup of {self._db} failed: {error}")
        else:
            self._report(describe(taken))


def describe(taken: Backup) -> str:
    """``backup: 1186 answers of 40 participants, as of 2025-01-14 09:35:02.123 → <path>``: the
    backup holds every answer acknowledged before that moment (local time, to the millisecond)."""
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(taken.finished_at)) + f".{int(taken.finished_at % 1 * 1000):03d}"
    return f"backup: {taken.answers} answers of {taken.participants} participants, as of {when} → {taken.path}"


__all__ = [
    "Backup",
    "BackupSchedule",
    "DatabaseInUse",
    "NotAnswers",
    "Restored",
    "backup",
    "check_answers",
    "default_folder",
    "describe",
    "restore",
]
