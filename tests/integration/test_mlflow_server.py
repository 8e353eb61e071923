"""The smoke pipeline against a real ``mlflow server`` (SQLite backend, local artifacts),
queried afterwards from this process with ``MlflowClient``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from mlflow.tracking import MlflowClient

from . import servers
from .conftest import MODELS, SMOKE_DATA, SMOKE_EXPERIMENT, SMOKE_RUN, champion_predictions, copy_project, kedro


@pytest.fixture
def mlflow_server(tmp_path: Path) -> Iterator[str]:
    with servers.mlflow_server(f"sqlite:///{tmp_path / 'server.db'}", tmp_path / "artifacts", tmp_path / "server.log") as url:
        yield url


def test_smoke_pipeline_against_a_real_tracking_server(tmp_path: Path, mlflow_server: str) -> None:
    root = copy_project(tmp_path / "project")
    result = kedro(root, "run", "--pipelines=transfer", "--env=smoke", env={"MLFLOW_TRACKING_URI": mlflow_server})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert not (root / "mlflow.db").exists() and not (root / "mlartifacts").exists()

    client = MlflowClient(tracking_uri=mlflow_server)
    experiment = client.get_experiment_by_name(SMOKE_EXPERIMENT)
    runs = client.search_runs([experiment.experiment_id])
    by_name = {run.info.run_name: run for run in runs}
    parent = by_name[SMOKE_RUN].info.run_id
    for name in MODELS:
        run = by_name[name]
        assert run.data.tags["mlflow.parentRunId"] == parent
        assert "test_accuracy" in run.data.metrics and f"{name}.accuracy" in by_name[SMOKE_RUN].data.metrics
        artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
        assert {"training_curves.png", "case_examples.png", "confusion_matrix.png"} <= artifacts
        versions = client.search_model_versions(f"name='{SMOKE_EXPERIMENT}-{name}'")
        assert len(versions) == 1 and versions[0].description.startswith(f"{name}: objective ")
    assert {"table1.md", "table3.md", "metrics.json"} <= {a.path for a in client.list_artifacts(parent)}

    data = root / SMOKE_DATA
    champion = json.loads((data / "08_reporting/metrics.json").read_text())["champion"]["model"]
    assert by_name[SMOKE_RUN].data.tags["trustcnn.champion"] == champion
    holders = [m for m in client.search_registered_models() if "champion" in m.aliases]
    assert [m.name for m in holders] == [f"{SMOKE_EXPERIMENT}-{champion}"] and "\n\nChampion: " in holders[0].description
    predicted = champion_predictions(mlflow_server, f"models:/{SMOKE_EXPERIMENT}-{champion}@champion", data / "03_primary/test.npz")
    assert predicted == np.load(data / f"07_model_output/predictions/{champion}.npz")["predictions"].tolist()
