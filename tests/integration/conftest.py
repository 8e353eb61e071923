"""Run the real ``kedro`` CLI on a copy of the project in a temporary directory."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

PROJECT = Path(__file__).resolve().parents[2]
# Where `--env=smoke` writes (conf/smoke/globals.yml), its MLflow experiment (conf/smoke/mlflow.yml)
# and the name of its models in the registry (trustcnn.tracking.registered_name).
SMOKE_DATA = Path("data/envs/smoke")
SMOKE_EXPERIMENT = "trustcnn-smoke"
SMOKE_RUN = "smoke"
KEDRO = Path(sys.executable).with_name("kedro")
INTEGRATION = Path(__file__).resolve().parent
# The models `kedro run --pipelines=transfer` trains with the default trust_variants and
# human_mask_variants.
MODELS = (
    "baseline",
    "no_decoy",
    "trust_gradcam",
    "trust_guided_gradcam",
    "trust_gradcam_no_eq5",
    "trust_gradcam_no_eq6",
    "trust_mask",
    "rrr",
    "rrr_gradcam",
    "rrr_human",
    "rrr_gradcam_human",
    "trust_mask_human",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder runs real processes (kedro, dvc, mlflow, servers, Chromium):
    marked ``integration``, so ``pytest -m "not integration"`` leaves them out on its own."""
    for item in items:
        if INTEGRATION in item.path.resolve().parents:
            item.add_marker(pytest.mark.integration)


def kedro(project: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``kedro *args`` in ``project``; MLflow goes to the copy's own SQLite store unless
    ``env`` names a tracking URI."""
    base = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
    # COLUMNS: rich's log lines unwrapped, so a message reads as one line whatever the source file's name
    quiet = {"KEDRO_DISABLE_TELEMETRY": "1", "DO_NOT_TRACK": "1", "MPLBACKEND": "Agg", "COLUMNS": "1000"}
    full_env = {**base, **quiet, **(env or {})}
    return subprocess.run(
        [str(KEDRO), *args], cwd=project, env=full_env, capture_output=True, text=True, timeout=1800
    )  # a busy 2-core machine: minutes


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


def copy_run(project: Path, dest: Path) -> Path:
    """A private copy of a project that has run (the session's ``smoke_run``, say) as
    ``dest/trustcnn``: far cheaper than running the pipeline again. Its MLflow experiments
    are pointed at the copy's own ``mlartifacts``, so runs in the copy log nothing into the
    original (an experiment keeps the artifact location it was created with)."""
    root = dest / "trustcnn"
    shutil.copytree(project, root, symlinks=True)
    if (root / "mlflow.db").exists():
        db = sqlite3.connect(root / "mlflow.db")
        try:
            with db:
                db.execute(
                    "UPDATE experiments SET artifact_location = replace(artifact_location, ?, ?)",
                    (project.resolve().as_uri() + "/", root.resolve().as_uri() + "/"),
                )
        finally:
            db.close()
    return root


REAL_METRICS = Path("data/08_reporting/metrics.json")


def seed_real_results(root: Path) -> str:
    """What a real (default-env) run leaves behind, in ``root``: its ``metrics.json`` (the
    committed one) and its champion's ``@champion`` alias in the registry. Returns that
    registered model's name."""
    (root / REAL_METRICS).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(PROJECT / REAL_METRICS, root / REAL_METRICS)
    champion = json.loads((root / REAL_METRICS).read_text())["champion"]["model"]
    client = MlflowClient(tracking_uri=f"sqlite:///{root / 'mlflow.db'}")
    name = f"trustcnn-{champion}"
    client.create_registered_model(name)
    version = client.create_model_version(name, source=(root / "mlartifacts" / "real").as_uri())
    client.set_registered_model_alias(name, "champion", version.version)
    return name


@pytest.fixture(scope="session")
def smoke_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``kedro run --pipelines=transfer --env=smoke`` once for the whole session, in a copy that
    already holds a real run's results (:func:`seed_real_results`); tests that change its
    outputs work on a copy (:func:`copy_run`)."""
    root = copy_project(tmp_path_factory.mktemp("e2e"))
    seed_real_results(root)
    result = kedro(root, "run", "--pipelines=transfer", "--env=smoke")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return root


CHAMPION_PREDICTS = """
import sys

import mlflow
import numpy as np
import torch

from trustcnn.storage import ImageSetDataset
from trustcnn.batches import to_tensors

mlflow.set_tracking_uri(sys.argv[1])
model = mlflow.pytorch.load_model(sys.argv[2])
x = to_tensors(ImageSetDataset(filepath=sys.argv[3]).load()).x
with torch.no_grad():
    print(" ".join(map(str, model(x).argmax(1).tolist())))
"""


def champion_predictions(tracking_uri: str, model_uri: str, test_npz: Path) -> list[int]:
    """Load ``model_uri`` (e.g. ``models:/trustcnn-x@champion``) in a fresh Python process
    and predict the test split with it."""
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
    done = subprocess.run(
        [sys.executable, "-c", CHAMPION_PREDICTS, tracking_uri, model_uri, str(test_npz)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return [int(v) for v in done.stdout.split()]
