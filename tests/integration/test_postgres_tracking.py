"""A team's tracking server: the smoke pipeline against ``mlflow server`` on a real PostgreSQL
(Debian's, started here on loopback) with artifacts proxied by the server; the runs, the
registered models and the champion alias read back with ``MlflowClient``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy
from mlflow.tracking import MlflowClient

from trustcnn.tracking.models import CHAMPION

from . import servers
from .conftest import MODELS, champion_predictions, copy_project, kedro
from .system import postgres_bin


@pytest.fixture
def team_server(tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    """(server URL, its database URI, the directory its artifacts are proxied to)."""
    artifacts = tmp_path / "artifacts"
    with servers.postgres("mlflow", postgres_bin()) as database, servers.mlflow_server(database, artifacts, tmp_path / "server.log") as url:
        yield url, database, artifacts


def _only(paths: list[Path]) -> Path:
    assert len(paths) == 1, paths
    return paths[0]


def test_smoke_pipeline_tracks_into_mlflow_server_on_postgresql(tmp_path: Path, team_server: tuple[str, str, Path]) -> None:
    url, database, artifacts = team_server
    root = copy_project(tmp_path / "project")
    result = kedro(root, "run", "--pipelines=transfer", "--env=smoke", env={"MLFLOW_TRACKING_URI": url})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert not list(root.rglob("mlflow.db")) and not list(root.rglob("mlartifacts")), "tracked locally, not on the server"

    # Each model's run record (data/…/<model>/mlflow_run.json) names its run and registered version.
    records = {path.parent.name: json.loads(path.read_text()) for path in root.rglob("mlflow_run.json")}
    assert set(records) == set(MODELS)
    client = MlflowClient(tracking_uri=url)
    model_runs = {name: client.get_run(record["run_id"]) for name, record in records.items()}
    parents = {run.data.tags.get("mlflow.parentRunId") for run in model_runs.values()}
    assert len(parents) == 1 and None not in parents, "every model run nested under the run of this kedro run"
    parent = client.get_run(parents.pop())
    for name, run in model_runs.items():
        assert run.info.status == "FINISHED" and "test_accuracy" in run.data.metrics, name
        assert run.info.artifact_uri.startswith("mlflow-artifacts:"), "artifacts go through the server's proxy"
        version = client.get_model_version(records[name]["registered_model"], records[name]["model_version"])
        assert version.run_id == run.info.run_id

    # The champion alias: on the champion's registered version, on no other model of this run.
    champion = parent.data.tags["trustcnn.champion"]
    holder = client.get_model_version_by_alias(records[champion]["registered_model"], CHAMPION)
    assert holder.version == records[champion]["model_version"]
    others = [client.get_registered_model(r["registered_model"]) for name, r in records.items() if name != champion]
    assert not [model.name for model in others if CHAMPION in model.aliases]

    # What the client sees is what PostgreSQL holds.
    engine = sqlalchemy.create_engine(database)
    try:
        with engine.connect() as connection:
            run_ids = {row[0] for row in connection.execute(sqlalchemy.text("SELECT run_uuid FROM runs"))}
            aliases = connection.execute(sqlalchemy.text("SELECT name, alias, version FROM registered_model_aliases")).fetchall()
    finally:
        engine.dispose()
    assert {parent.info.run_id, *(run.info.run_id for run in model_runs.values())} <= run_ids
    assert aliases == [(records[champion]["registered_model"], CHAMPION, int(holder.version))]

    # An artifact downloaded through the proxy is the file the server stored.
    downloaded = Path(client.download_artifacts(parent.info.run_id, "metrics.json", str(tmp_path / "download")))
    stored = _only(list(artifacts.rglob(f"{parent.info.run_id}/artifacts/metrics.json")))
    assert downloaded.read_bytes() == stored.read_bytes()
    assert json.loads(downloaded.read_text())["champion"]["model"] == champion
    # …and so is the champion model, loaded by its alias in a fresh process.
    model_uri = f"models:/{records[champion]['registered_model']}@{CHAMPION}"
    test_set = _only(list(root.rglob("03_primary/test.npz")))
    predictions = _only(list(root.rglob(f"07_model_output/predictions/{champion}.npz")))
    assert champion_predictions(url, model_uri, test_set) == np.load(predictions)["predictions"].tolist()
