"""A rollback journal, so a run that fails or is interrupted leaves every output as it was.

Every output is written to a temporary file and renamed into place (:mod:`trustcnn.runtime.atomic`),
so no file is ever half-written — but a run that writes the new splits and then fails would
still leave new splits beside old models. While a journal is open, each output's previous
state is kept (a hard link to its old content, or the note that it did not exist) just before
it is first replaced; :meth:`Journal.rollback` puts everything back, :meth:`Journal.commit`
forgets the old versions. The journal's log is flushed to disk entry by entry, so even a run
killed with SIGKILL is rolled back: by the next run, with :func:`recover`.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

from trustcnn.runtime.processes import pid_alive

log = logging.getLogger(__name__)

LOG = "journal.jsonl"
_active: Journal | None = None


def _copy(source: Path, target: Path) -> None:
    """A hard-linked copy (free, and the old content survives the rename over ``source``);
    a real copy where linking is impossible (another file system)."""
    link = os.link

    def copy_function(src: str, dst: str) -> None:
        try:
            link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    if source.is_dir():
        shutil.copytree(source, target, copy_function=copy_function, symlinks=True)
    else:
        copy_function(str(source), str(target))


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


class Journal:
    """The previous state of every output replaced since it was opened, kept in ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._kept: set[Path] = set()
        self._log = (self.folder / LOG).open("a", encoding="utf-8")

    def keep(self, path: str | os.PathLike[str]) -> None:
        """Record ``path``'s current state, once per journal, before it is replaced."""
        path = Path(path).absolute()
        if path in self._kept:
            return
        self._kept.add(path)
        backup = None
        if path.exists():  # ParallelRunner's workers share the journal: their copies are named apart
            backup = f"{os.getpid()}-{len(self._kept)}"
            _copy(path, self.folder / backup)
        self._log.write(json.dumps({"path": os.fsdecode(path), "backup": backup}, ensure_ascii=False) + "\n")
        self._log.flush()
        os.fsync(self._log.fileno())

    def commit(self) -> None:
        """Keep the new outputs; forget the old."""
        self._close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def rollback(self) -> list[str]:
        """Put every recorded output back as it was; returns what was restored or removed."""
        self._close()
        return rollback(self.folder)

    def _close(self) -> None:
        global _active  # noqa: PLW0603 - one journal per process, which atomic writes find here
        if not self._log.closed:
            self._log.close()
        if _active is self:
            _active = None


def rollback(folder: Path) -> list[str]:
    """Undo the journal in ``folder`` (its log and kept copies), newest change first, then
    delete it. Returns one line per path put back."""
    entries = []
    if (folder / LOG).is_file():
        for line in (folder / LOG).read_text(encoding="utf-8").splitlines():
            try:
                entries.append(json.loads(line))
            except json.JSONDecodeError:  # the last line of a run killed mid-write
                break
    done = []
    for entry in reversed(entries):
        path = Path(entry["path"])
        _remove(path)
        if entry["backup"] is not None:
            os.replace(folder / entry["backup"], path)
            done.append(f"restored {path}")
        else:
            done.append(f"removed {path} (new in the failed run)")
    shutil.rmtree(folder, ignore_errors=True)
    return done


def open_journal(folder: Path) -> Journal:
    """Open the journal every atomic write of this process records into."""
    global _active  # noqa: PLW0603 - one journal per process, which atomic writes find here
    _active = Journal(folder)
    return _active


def active() -> Journal | None:
    return _active


def recover(root: Path) -> list[str]:
    """Roll back the journals under ``root`` left by runs that died (their folder is named
    after their process id, and no such process is alive)."""
    done = []
    for folder in sorted(root.glob("journal-*")) if root.is_dir() else []:
        pid = folder.name.removeprefix("journal-")
        if pid.isdigit() and int(pid) != os.getpid() and pid_alive(int(pid)):
            continue
        done += rollback(folder)
    return done


_TEMPORARY = re.compile(r"^\..+\.tmp-(\d+)(?:[-.].*)?$")


def orphans(root: Path) -> Iterator[Path]:
    """Temporary files and folders (``.<name>.tmp-<pid>…``, see :mod:`trustcnn.runtime.atomic`) whose
    writing process is gone — left by a run killed mid-write."""
    for dirpath, dirnames, filenames in os.walk(root):
        for name in [*dirnames, *filenames]:
            match = _TEMPORARY.match(name)
            if match and not pid_alive(int(match.group(1))):
                yield Path(dirpath) / name


def remove_orphans(root: Path) -> list[Path]:
    """Delete :func:`orphans`; returns what was removed."""
    removed = list(orphans(root))
    for path in removed:
        _remove(path)
    return removed
