"""A fresh copy of the project's configuration to run ``kedro`` in, so benchmarks never touch
(or profit from) the working tree's outputs, caches or MLflow store."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
KEDRO = Path(sys.executable).with_name("kedro")


@contextmanager
def project_copy(checkout: Path | None = None) -> Iterator[Path]:
    """``<tmp>/trustcnn`` with pyproject.toml, conf/ (no conf/local) and empty data layers;
    the code is the installed package — or, with ``checkout`` (e.g. a clean ``git clone`` of
    a commit), that checkout's conf/ and src/ (Kedro puts the copy's src/ first on the path).
    Deleted on exit."""
    source = checkout or PROJECT
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "trustcnn"
        root.mkdir()
        shutil.copy(source / "pyproject.toml", root)
        shutil.copytree(source / "conf", root / "conf", ignore=shutil.ignore_patterns("local"))
        (root / "conf" / "local").mkdir()
        if checkout is None:
            (root / "src").mkdir()
        else:
            shutil.copytree(checkout / "src", root / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        yield root


def kedro_run(root: Path, *args: str, env: dict[str, str] | None = None) -> None:
    """``kedro run *args`` in ``root`` with the copy's own SQLite MLflow store."""
    full_env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
    full_env |= {"KEDRO_DISABLE_TELEMETRY": "1", "MPLBACKEND": "Agg", **(env or {})}
    subprocess.run([str(KEDRO), "run", *args], cwd=root, env=full_env, check=True, capture_output=True)
