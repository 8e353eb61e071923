"""Run the real ``kedro`` CLI on a copy of the project in a temporary directory."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
KEDRO = Path(sys.executable).with_name("kedro")


def kedro(project: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``kedro *args`` in ``project``; MLflow goes to the copy's own SQLite store unless
    ``env`` names a tracking URI."""
    base = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
    full_env = {**base, "KEDRO_DISABLE_TELEMETRY": "1", "DO_NOT_TRACK": "1", "MPLBACKEND": "Agg", **(env or {})}
    return subprocess.run([str(KEDRO), *args], cwd=project, env=full_env, capture_output=True, text=True, timeout=600)


def copy_project(dest: Path) -> Path:
    """The project's config and empty data layers under ``dest`` (code stays installed)."""
    root = dest / "trustcnn"
    root.mkdir(parents=True)
    shutil.copy(PROJECT / "pyproject.toml", root)
    (root / "src").mkdir()  # Kedro checks it exists; the code itself is the installed package
    shutil.copytree(PROJECT / "conf", root / "conf", ignore=shutil.ignore_patterns("local"))
    (root / "conf" / "local").mkdir()
    return root


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path)
