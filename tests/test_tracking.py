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


def _tiny_model():
    import torch
    from torch import nn

    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 4, 3), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 2))


def test_models_are_registered_and_one_champion_alias_moves_between_them(tmp_path: Path) -> None:
    import numpy as np

    from trustcnn.tracking import log_torch_model, set_champion

    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    mlflow.set_experiment("trustcnn")
    try:
        example = np.zeros((1, 3, 8, 8), np.float32)
        logged = {}
        for name in ("baseline", "trust_mask"):
            with model_run(name):
                logged[name] = log_torch_model(_tiny_model(), example, name)
        assert logged["baseline"]["registered_model"] == "trustcnn-baseline"
        assert logged["trust_mask"]["model_version"] == "1"
        client = mlflow.MlflowClient()
        info = mlflow.models.get_model_info(logged["baseline"]["model_uri"])
        assert info.signature.inputs.to_dict()[0]["tensor-spec"]["shape"] == (-1, 3, 8, 8)
        assert set_champion("trustcnn-baseline", "1")
        assert set_champion("trustcnn-trust_mask", "1")
        assert client.get_registered_model("trustcnn-trust_mask").aliases == {"champion": 1}
        assert "champion" not in client.get_registered_model("trustcnn-baseline").aliases
        assert not set_champion("trustcnn-baseline", "7")  # not in this registry: nothing moves
        assert client.get_registered_model("trustcnn-trust_mask").aliases == {"champion": 1}
        model = mlflow.pytorch.load_model("models:/trustcnn-trust_mask@champion")
        assert model(__import__("torch").zeros(2, 3, 8, 8)).shape == (2, 2)
    finally:
        mlflow.set_experiment(experiment_id="0")  # MLflow's Default, present in every store
        mlflow.set_tracking_uri(None)


def test_each_experiment_registers_its_own_models_and_keeps_its_own_champion(tmp_path: Path) -> None:
    import numpy as np

    from trustcnn.tracking import log_torch_model, set_champion

    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    try:
        example, logged = np.zeros((1, 3, 8, 8), np.float32), {}
        for experiment in ("trustcnn", "trustcnn-smoke"):  # the default run's, then conf/smoke's
            mlflow.set_experiment(experiment)
            with model_run("baseline"):
                logged[experiment] = log_torch_model(_tiny_model(), example, "baseline")
            assert set_champion(logged[experiment]["registered_model"], "1")
        assert [logged[e]["registered_model"] for e in logged] == ["trustcnn-baseline", "trustcnn-smoke-baseline"]
        client = mlflow.MlflowClient()
        # The smoke champion did not take the alias off the default run's (its name shares the prefix).
        assert client.get_registered_model("trustcnn-baseline").aliases == {"champion": 1}
        assert client.get_registered_model("trustcnn-smoke-baseline").aliases == {"champion": 1}
    finally:
        mlflow.set_experiment(experiment_id="0")  # MLflow's Default, present in every store
        mlflow.set_tracking_uri(None)


def test_nested_runs_inherit_the_parents_provenance_tags(tmp_path: Path) -> None:
    from trustcnn.tracking import tag_active_run

    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    try:
        with mlflow.start_run(run_name="transfer"):
            tag_active_run({"trustcnn.data.train_set.md5": "abc", "mlflow.source.git.commit": "123"})
            mlflow.set_tag("unrelated", "x")
            with model_run("baseline") as child:
                pass
        tags = mlflow.MlflowClient().get_run(child.info.run_id).data.tags
        assert tags["trustcnn.data.train_set.md5"] == "abc" and tags["mlflow.source.git.commit"] == "123"
        assert "unrelated" not in tags
    finally:
        mlflow.set_tracking_uri(None)
