"""Reopening a model's MLflow run, and what happens when the store doesn't have it."""

from pathlib import Path

import mlflow

from trustcnn.tracking import model_run


def test_unknown_run_id_starts_a_new_tagged_run(tmp_path: Path) -> None:
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    try:
        with model_run("baseline") as first:
            mlflow.log_metric("a", 1.0)
        with model_run("baseline", run_id=first.info.run_id) as reopened:
            mlflow.log_metric("b", 2.0)
        assert reopened.info.run_id == first.info.run_id
        with model_run("baseline", run_id="0" * 32) as fresh:
            mlflow.log_metric("b", 3.0)
        run = mlflow.MlflowClient().get_run(fresh.info.run_id)
        assert fresh.info.run_id != first.info.run_id
        assert run.data.tags["trustcnn.missing_training_run_id"] == "0" * 32
        assert run.info.run_name == "baseline"
    finally:
        mlflow.set_tracking_uri(None)
