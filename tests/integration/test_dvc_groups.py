"""Real ``dvc repro`` of a two-stage ``dvc.yaml`` (each stage a smoke-sized ``kedro run``): the
stages' MLflow runs are nested in one run for the ``dvc repro``, which ends FINISHED (the full
pipeline's ``dvc repro``: tests/integration/test_dvc_pipeline.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

from mlflow.tracking import MlflowClient

from .conftest import PROJECT, copy_project
from .test_dvc_pipeline import run

DVC_YAML = """
stages:
  first:
    cmd: kedro run --pipelines=ingestion
    outs:
      - data/03_primary/train.npz:
          cache: false
  second:
    cmd: kedro run --pipelines=ingestion --params=data.seed=3
    deps:
      - data/03_primary/train.npz
    always_changed: true
"""


def test_the_stages_of_one_dvc_repro_are_nested_in_one_finished_run(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    shutil.copy(PROJECT / "conf/smoke/parameters.yml", root / "conf/local/parameters.yml")  # smoke-sized data
    (root / "dvc.yaml").write_text(DVC_YAML)
    run(root, "git", "init", "--quiet")
    run(root, "git", "add", "-A")
    run(root, "git", "commit", "--quiet", "-m", "two stages")
    run(root, "dvc", "init", "--quiet")
    run(root, "dvc", "repro")

    client = MlflowClient(tracking_uri=f"sqlite:///{root / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("trustcnn")
    assert experiment.tags["mlflow.experimentKind"] == "custom_model_development"
    runs = client.search_runs([experiment.experiment_id])
    (group,) = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    assert group.info.run_name == "dvc repro" and group.info.status == "FINISHED"
    stages = {r.data.tags["trustcnn.dvc_stage"]: r for r in runs if r.data.tags.get("mlflow.parentRunId") == group.info.run_id}
    assert set(stages) == {"first", "second"} and len(runs) == 3
    assert all(r.info.status == "FINISHED" and r.info.run_name == "ingestion" for r in stages.values())
    key = group.data.tags["trustcnn.dvc_invocation"]
    assert all(r.data.tags["trustcnn.dvc_invocation"] == key for r in stages.values())
    assert group.data.tags["trustcnn.pid"] == key.rsplit("-", 1)[1]  # the dvc process, for the liveness check
    assert group.info.end_time >= max(r.info.end_time for r in stages.values())
