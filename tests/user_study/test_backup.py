"""Backups of the answers database while it is written to, and their restore: every answer
committed before a backup finished is in it, a restore never replaces a database a server
holds and keeps the one it replaces (the real server under load: tests/integration/test_user_study.py)."""

from __future__ import annotations

import re
import shutil
import sqlite3
import threading
import time
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner

from trustcnn.user_study.backup import BackupSchedule, NotAnswers, backup, check_answers, restore
from trustcnn.user_study.cli import study
from trustcnn.user_study.serving import DatabaseInUse, DatabaseLock
from trustcnn.user_study.store import ResponseStore

BACKGROUND = {"cs_degree": "yes", "knows_saliency": "no", "cv_experience": "no"}


def _answers(db: Path) -> set[tuple[str, str, str]]:
    with closing(sqlite3.connect(db)) as connection:  # closed here: a connection left to the GC keeps a -wal alive until it runs
        return set(
            connection.execute("SELECT p.token, a.item_id, a.choice FROM answers a JOIN participants p USING (participant_id)").fetchall()
        )


@pytest.fixture
def store(tmp_path: Path) -> ResponseStore:
    store = ResponseStore(tmp_path / "project" / "responses.sqlite")
    store.register_study("s1", 50, {"study_id": "s1", "items": {}})
    return store


def test_a_backup_taken_while_answers_arrive_holds_every_answer_committed_before_it_finished(store: ResponseStore, tmp_path: Path) -> None:
    acknowledged: list[tuple[float, tuple[str, str, str]]] = []
    stop = threading.Event()

    def participant() -> None:
        person = store.new_participant("s1", BACKGROUND)
        for item in range(50):
            if stop.is_set():
                return
            store.answer(person, f"i{item}", "same")
            acknowledged.append((time.time(), (person.token, f"i{item}", "same")))

    writers = [threading.Thread(target=participant) for _ in range(4)]
    for thread in writers:
        thread.start()
    while len(acknowledged) < 20:
        time.sleep(0.01)
    taken = backup(store.path, tmp_path / "backups")
    stop.set()
    for thread in writers:
        thread.join()

    saved = _answers(taken.path)
    assert {answer for at, answer in acknowledged if at < taken.finished_at} <= saved
    assert saved <= {answer for _, answer in acknowledged}, "nothing in the backup that wasn't answered"
    assert taken.answers == len(saved)
    assert check_answers(taken.path) == (taken.answers, taken.participants)
    with sqlite3.connect(taken.path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # one self-contained file
    assert [p.name for p in taken.path.parent.iterdir()] == [taken.path.name], "no temporary file left"
    assert taken.path.name.startswith("responses-") and taken.path.suffix == ".sqlite"


def test_answers_still_in_the_write_ahead_log_are_backed_up_and_two_backups_never_collide(store: ResponseStore, tmp_path: Path) -> None:
    reader = sqlite3.connect(store.path)  # an open connection: SQLite doesn't fold the WAL into the file
    reader.execute("SELECT count(*) FROM answers").fetchone()
    person = store.new_participant("s1", BACKGROUND)
    for item in range(5):
        store.answer(person, f"i{item}", "same")
    assert Path(f"{store.path}-wal").stat().st_size > 0
    first, second = backup(store.path, tmp_path / "b"), backup(store.path, tmp_path / "b")
    reader.close()
    assert first.path != second.path and _answers(first.path) == _answers(second.path) == _answers(store.path)
    assert len(_answers(first.path)) == 5


def test_restore_into_a_fresh_path_and_over_a_database_keeps_the_replaced_one(store: ResponseStore, tmp_path: Path) -> None:
    person = store.new_participant("s1", BACKGROUND)
    store.answer(person, "i1", "same")
    taken = backup(store.path, tmp_path / "backups")
    fresh = restore(taken.path, tmp_path / "elsewhere" / "responses.sqlite")
    assert fresh.replaced is None and _answers(fresh.db) == _answers(store.path)
    assert ResponseStore(fresh.db).responses().keys == {"s1": {"study_id": "s1", "items": {}}}, "the study's key comes back too"

    # The database as a killed server leaves it: the file plus a -wal holding its latest answers.
    reader = sqlite3.connect(store.path)  # open, and having read the schema: the writer's close is not the last, so its -wal stays
    reader.execute("SELECT count(*) FROM sqlite_master").fetchone()
    store.answer(person, "i2", "b")
    crashed = tmp_path / "crashed" / "responses.sqlite"
    crashed.parent.mkdir()
    for ending in ("", "-wal"):
        shutil.copy(f"{store.path}{ending}", f"{crashed}{ending}")
    reader.close()
    done = restore(taken.path, crashed)
    assert _answers(crashed) == _answers(taken.path) and len(_answers(crashed)) == 1
    assert done.replaced is not None and done.replaced.name.startswith("responses.replaced-")
    assert len(_answers(done.replaced)) == 2, "the replaced database, its last answer (in its -wal) included"
    assert not Path(f"{crashed}-wal").exists() or _answers(crashed) == _answers(taken.path)
    again = restore(taken.path, crashed)  # even within the same second, the first kept file stays
    assert again.replaced != done.replaced and len(_answers(done.replaced)) == 2


def test_no_restore_under_a_running_server_and_no_server_during_a_restore(store: ResponseStore, tmp_path: Path) -> None:
    taken = backup(store.path, tmp_path / "backups")
    before = store.path.read_bytes()
    with DatabaseLock.acquire(store.path, "trustcnn study serve on 127.0.0.1:8000", exclusive=False):
        with pytest.raises(DatabaseInUse, match=r"in use by pid \d+ .*trustcnn study serve on 127.0.0.1:8000"):
            restore(taken.path, store.path)
        DatabaseLock.acquire(store.path, "a second server", exclusive=False).release()  # servers share it
    assert store.path.read_bytes() == before and not list(store.path.parent.glob("*.replaced-*"))
    with (
        DatabaseLock.acquire(store.path, "trustcnn study restore x", exclusive=True),
        pytest.raises(DatabaseInUse, match="trustcnn study restore x"),
    ):
        DatabaseLock.acquire(store.path, "a server", exclusive=False)
    restore(taken.path, store.path)  # released: it goes ahead


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (None, "does not exist"),
        (b"not a database at all" * 100, "is not a readable SQLite database"),
        ("other", "is not a study's answers database (no table studies, participants, answers)"),
    ],
)
def test_a_file_that_is_no_answers_database_is_named(tmp_path: Path, content: bytes | str | None, reason: str) -> None:
    path = tmp_path / "x.sqlite"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content == "other":
        with sqlite3.connect(path) as connection:
            connection.execute("CREATE TABLE t (x)")
    with pytest.raises(NotAnswers, match=f"^{re.escape(f'{path} {reason}')}"):
        check_answers(path)


def test_the_cli_backs_up_and_restores_in_one_line_each(store: ResponseStore, tmp_path: Path) -> None:
    person = store.new_participant("s1", BACKGROUND)
    store.answer(person, "i1", "same")
    runner = CliRunner()
    done = runner.invoke(study, ["backup", "--db", str(store.path), "--out", str(tmp_path / "b")])
    assert done.exit_code == 0, done.output
    path = next((tmp_path / "b").glob("*.sqlite"))
    assert done.output.startswith("backup: 1 answers of 1 participants, as of ") and done.output.strip().endswith(str(path))
    target = tmp_path / "restored.sqlite"
    done = runner.invoke(study, ["restore", str(path), "--db", str(target)])
    assert done.exit_code == 0 and done.output.strip() == f"restored 1 answers of 1 participants from {path} to {target}"
    done = runner.invoke(study, ["restore", str(path), "--db", str(target)])
    assert done.exit_code == 0 and "the database it replaced is kept as " in done.output

    wrong = runner.invoke(study, ["backup", "--db", str(tmp_path / "none.sqlite"), "--out", str(tmp_path / "b")])
    assert wrong.exit_code == 1 and wrong.output == f"Error: no backup taken: {tmp_path / 'none.sqlite'} does not exist\n"
    with DatabaseLock.acquire(target, "trustcnn study serve on 127.0.0.1:8000", exclusive=False):
        held = runner.invoke(study, ["restore", str(path), "--db", str(target)])
    assert held.exit_code == 1 and len(held.output.splitlines()) == 1
    assert held.output.startswith(f"Error: nothing restored: {target} is in use by pid ") and held.output.rstrip().endswith(
        "stop that study server (Ctrl-C where it runs), then restore again"
    )


def test_scheduled_backups_and_a_last_one_on_stopping(store: ResponseStore, tmp_path: Path) -> None:
    lines: list[str] = []
    schedule = BackupSchedule(store.path, tmp_path / "b", minutes=0.002, report=lines.append)  # every 0.12 s
    schedule.start()
    deadline = time.monotonic() + 120
    while not lines and time.monotonic() < deadline:
        time.sleep(0.05)
    schedule.stop()
    assert len(lines) >= 2 and all(line.startswith("backup: ") for line in lines)
    assert len(list((tmp_path / "b").glob("*.sqlite"))) == len(lines)
    failing = BackupSchedule(tmp_path / "none.sqlite", tmp_path / "b", minutes=60, report=lines.append)
    failing.once()  # the server goes on; the line says why
    assert lines[-1] == f"backup of {tmp_path / 'none.sqlite'} failed: {tmp_path / 'none.sqlite'} does not exist"
