"""The rollback journal: a failed or killed run leaves every output as it was."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from trustcnn.runtime import journal
from trustcnn.runtime.atomic import atomic_path


def _write(path: Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def test_rollback_restores_replaced_outputs_and_removes_new_ones(tmp_path: Path) -> None:
    old, new = tmp_path / "old.txt", tmp_path / "sub" / "new.txt"
    old.write_text("before")
    opened = journal.open_journal(tmp_path / "state" / "journal-1")
    _write(old, "after")
    _write(old, "after again")  # kept once: the state before the run
    _write(new, "created")
    assert old.read_text() == "after again" and new.exists()
    done = opened.rollback()
    assert old.read_text() == "before" and not new.exists()
    assert len(done) == 2 and journal.active() is None
    assert not (tmp_path / "state" / "journal-1").exists()


def test_commit_keeps_the_new_outputs(tmp_path: Path) -> None:
    path = tmp_path / "out.txt"
    path.write_text("before")
    opened = journal.open_journal(tmp_path / "journal-2")
    _write(path, "after")
    opened.commit()
    assert path.read_text() == "after" and not (tmp_path / "journal-2").exists()
    _write(path, "no journal open now")
    assert path.read_text() == "no journal open now"


def test_folders_are_journaled_too(tmp_path: Path) -> None:
    folder = tmp_path / "package"
    folder.mkdir()
    (folder / "a.png").write_text("old")
    opened = journal.open_journal(tmp_path / "journal-3")
    opened.keep(folder)
    (folder / "a.png").unlink()
    (folder / "b.png").write_text("new")
    opened.rollback()
    assert sorted(p.name for p in folder.iterdir()) == ["a.png"] and (folder / "a.png").read_text() == "old"


KILLED_MID_RUN = """
import os, sys
from pathlib import Path
from trustcnn.runtime import journal
from trustcnn.runtime.atomic import atomic_path
root = Path(sys.argv[1])
journal.open_journal(root / "state" / f"journal-{os.getpid()}")
with atomic_path(root / "splits.npz") as tmp:
    tmp.write_text("new splits")
tmp = root / f".model.tmp-{os.getpid()}.pt"
tmp.write_text("half a checkpoint")
os.kill(os.getpid(), 9)
"""


def test_a_run_killed_with_sigkill_is_rolled_back_by_the_next_and_its_temporaries_removed(tmp_path: Path) -> None:
    (tmp_path / "splits.npz").write_text("old splits")
    result = subprocess.run([sys.executable, "-c", KILLED_MID_RUN, str(tmp_path)], timeout=300)
    assert result.returncode == -9
    assert (tmp_path / "splits.npz").read_text() == "new splits"
    assert list(tmp_path.glob(".model.tmp-*"))
    restored = journal.recover(tmp_path / "state")
    assert (tmp_path / "splits.npz").read_text() == "old splits" and restored
    removed = journal.remove_orphans(tmp_path)
    assert [p.name for p in removed] == [p.name for p in removed if p.name.startswith(".model.tmp-")] and removed
    assert not list(tmp_path.glob(".model.tmp-*")) and not list((tmp_path / "state").glob("journal-*"))


def test_a_live_processs_journal_and_temporaries_are_left_alone(tmp_path: Path) -> None:
    mine = journal.open_journal(tmp_path / "state" / f"journal-{os.getppid()}")  # the parent is alive
    mine.keep(tmp_path / "x")
    live_tmp = tmp_path / f".a.tmp-{os.getppid()}.npz"
    live_tmp.write_text("being written")
    assert journal.recover(tmp_path / "state") == []
    assert journal.remove_orphans(tmp_path) == [] and live_tmp.exists()
    mine.commit()
