"""Real servers the integration tests start on loopback and always stop: ``mlflow server``,
``mlflow ui`` and a throwaway PostgreSQL cluster."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

MLFLOW = Path(sys.executable).with_name("mlflow")
# The server as root runs as this account (PostgreSQL refuses root); Debian's package creates it.
POSTGRES_ACCOUNTS = ("postgres", "nobody")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def mlflow_server(backend_store_uri: str, artifacts: Path, log: Path) -> Iterator[str]:
    """``mlflow server`` on loopback with ``backend_store_uri`` and artifacts proxied to
    ``artifacts`` (clients never write there themselves); yields its URL."""
    with _mlflow(["server", "--backend-store-uri", backend_store_uri, "--artifacts-destination", str(artifacts)], log) as url:
        yield url


@contextmanager
def mlflow_ui(backend_store_uri: str, log: Path) -> Iterator[str]:
    """``mlflow ui --backend-store-uri …`` on loopback, as the docs tell a user to open a
    project's runs; yields its URL."""
    with _mlflow(["ui", "--backend-store-uri", backend_store_uri], log) as url:
        yield url


@contextmanager
def _mlflow(command: list[str], log: Path) -> Iterator[str]:
    """``mlflow <command>`` on a free loopback port, one worker and without the job runner
    (GenAI jobs, seven worker processes trustcnn never uses); stopped afterwards."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
    with open(log, "w") as out:
        server = subprocess.Popen(
            [str(MLFLOW), *command, "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 180
            while not _answers(f"{url}/health"):
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"mlflow server did not come up:\n{log.read_text()[-3000:]}")
                time.sleep(0.5)
            yield url
        finally:
            _stop_group(server)


def _stop_group(process: subprocess.Popen, grace: float = 60) -> None:
    """SIGTERM to ``process`` and what it started (its own session), SIGKILL to whatever is
    left after ``grace`` seconds."""
    os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        process.poll()
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.5)
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@contextmanager
def postgres(database: str, bin_dir: Path) -> Iterator[str]:
    """A fresh PostgreSQL cluster listening only on 127.0.0.1 (trust auth, its socket in its
    own directory) with an empty ``database``; yields that database's SQLAlchemy URI and
    deletes the cluster afterwards. As root the server runs as an unprivileged account, in a
    directory under the system temp dir, since pytest's tmp_path is private to root."""
    import psycopg2

    account = _postgres_account()
    home = Path(tempfile.mkdtemp(prefix="trustcnn-postgres-"))
    data, log, port = home / "data", home / "server.log", free_port()
    if account:
        os.chown(home, account.pw_uid, account.pw_gid)

    def as_server(*command: str) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", account.pw_name, "--"] if account else []
        return subprocess.run([*prefix, *command], capture_output=True, text=True, timeout=300, cwd=home)

    try:
        done = as_server(
            str(bin_dir / "initdb"), "-D", str(data), "-U", "trustcnn", "--auth=trust", "--no-locale", "--encoding=UTF8", "--no-sync"
        )
        assert done.returncode == 0, f"initdb failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}"
        options = f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={home} -c fsync=off"
        done = as_server(str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "-t", "180", "start")
        assert done.returncode == 0, f"PostgreSQL did not start:\n{done.stdout[-2000:]}{_tail(log)}"
        connection = psycopg2.connect(host="127.0.0.1", port=port, user="trustcnn", dbname="postgres")
        try:
            connection.autocommit = True  # CREATE DATABASE can't run inside a transaction
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE DATABASE "{database}"')
        finally:
            connection.close()
        yield f"postgresql+psycopg2://trustcnn@127.0.0.1:{port}/{database}"
    finally:
        if (data / "postmaster.pid").exists():
            as_server(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "-t", "120", "stop")
        shutil.rmtree(home, ignore_errors=True)


def _postgres_account() -> pwd.struct_passwd | None:
    if os.geteuid() != 0:
        return None
    for name in POSTGRES_ACCOUNTS:
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    pytest.fail(f"running as root and none of the accounts {POSTGRES_ACCOUNTS} exists to run PostgreSQL as")


def _tail(log: Path) -> str:
    return log.read_text()[-3000:] if log.exists() else ""
