"""``trustcnn study serve|export``: a missing package, a corrupt or locked database and a port
in use each end in one line naming the file (or port) and the fix — no traceback."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from trustcnn.user_study.package import build_package, write_package
from trustcnn.user_study.store import ResponseStore

from ..user_study.conftest import synthetic
from .servers import free_port

TRUSTCNN = Path(sys.executable).with_name("trustcnn")


def study(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.run([str(TRUSTCNN), "study", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def error_line(result: subprocess.CompletedProcess) -> str:
    """The one ``Error:`` line of a failed command that printed no traceback."""
    output = result.stdout + result.stderr
    assert result.returncode == 1, output[-2000:]
    assert "Traceback" not in output, output[-2000:]
    errors = [line for line in output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, output[-2000:]
    return errors[0]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A folder with a small study package in ``package/``."""
    test, maps, predictions, accurate = synthetic()
    package = build_package(test, maps, predictions, accurate, n_images=4, seed=0, image_px=32, method="gradcam")
    write_package(package, tmp_path / "package")
    return tmp_path


def test_a_missing_package_names_the_file_and_how_to_build_it(tmp_path: Path) -> None:
    result = study(tmp_path, "serve", "--package", "nowhere", "--db", "answers.sqlite")
    assert error_line(result) == (
        f"Error: {tmp_path}/nowhere/manifest.json does not exist: build the study package first (kedro run --pipelines=user_study)"
    )


@pytest.mark.parametrize("command", ["serve", "export"])
def test_a_file_that_is_not_a_database_is_named_with_the_fix(folder: Path, command: str) -> None:
    (folder / "answers.sqlite").write_bytes(b"these are not the answers you are looking for" * 100)
    result = study(folder, command, *(["--package", "package"] if command == "serve" else []), "--db", "answers.sqlite")
    assert error_line(result) == (
        "Error: answers.sqlite is not a usable SQLite database (file is not a database): put back a copy of it, or move "
        "it aside to start a new, empty one"
    )


def test_a_database_another_process_holds_locked_is_named(folder: Path) -> None:
    ResponseStore(folder / "answers.sqlite").initialise()
    holder = sqlite3.connect(folder / "answers.sqlite", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # a writer that never commits: the server waits 30 s, then gives up
    try:
        result = study(folder, "serve", "--package", "package", "--db", "answers.sqlite")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert error_line(result) == (
        "Error: answers.sqlite is locked by another process (a second server, or a program holding a write transaction "
        "on it): stop that process and try again"
    )


def test_a_port_in_use_is_named_with_the_fix(folder: Path) -> None:
    port = free_port()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        result = study(folder, "serve", "--package", "package", "--db", "answers.sqlite", "--port", str(port))
    assert error_line(result) == (
        f"Error: cannot listen on 127.0.0.1:{port} (Address already in use): stop what uses it, or choose another --port"
    )
