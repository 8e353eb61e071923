"""What trustcnn records in MLflow: model runs, evaluation added without reopening them,
registered models with descriptions, tags and one champion per experiment."""

from pathlib import Path

import mlflow
import pytest

from trustcnn.tracking import model_run, parent_run_name
from trustcnn.tracking.runs import evaluated_run, log_metrics_to


def test_evaluation_logs_into_a_finished_run_without_moving_its_end(tmp_path: Path) -> None:
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    try:
        with model_run("baseline") as first:
            mlflow.log_metric("training/val_accuracy", 0.5, step=1)
        client = mlflow.MlflowClient()
        trained = client.get_run(first.info.run_id).info
        run_id = evaluated_run({"run_id": first.info.run_id}, "baseline")
        log_metrics_to(run_id, {"test_accuracy": 0.75})
        evaluated = client.get_run(run_id)
        assert run_id == first.info.run_id and evaluated.data.metrics["test_accuracy"] == 0.75
        assert (evaluated.info.status, evaluated.info.end_time) == ("FINISHED", trained.end_time)
        assert mlflow.active_run() is None
    finally:
        mlflow.set_tracking_uri(None)


def test_a_run_the_store_lacks_is_stood_in_for_by_a_new_tagged_run(tmp_path: Path) -> None:
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    try:
        with mlflow.start_run(run_name="evaluation") as parent:
            run_id = evaluated_run({"run_id": "0" * 32}, "baseline")
        run = mlflow.MlflowClient().get_run(run_id)
        assert run.data.tags["trustcnn.missing_training_run_id"] == "0" * 32
        assert run.info.run_name == "baseline" and run.data.tags["mlflow.parentRunId"] == parent.info.run_id
        assert run.info.status == "FINISHED"
    finally:
        mlflow.set_tracking_uri(None)


def test_the_parent_run_is_named_after_what_the_kedro_run_ran() -> None:
    assert parent_run_name(["transfer"], None) == "transfer"
    assert parent_run_name(["trust"], ["rrr"]) == "trust[rrr]"  # kedro run --pipelines=trust --namespaces=rrr
    assert parent_run_name([], []) == "__default__"


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
                logged[name] = log_torch_model(_tiny_model(), example, name, f"{name}: trained", {"objective": "ce"})
        assert logged["baseline"]["registered_model"] == "trustcnn-baseline"
        assert logged["trust_mask"]["model_version"] == "1"
        client = mlflow.MlflowClient()
        info = mlflow.models.get_model_info(logged["baseline"]["model_uri"])
        assert info.signature.inputs.to_dict()[0]["tensor-spec"]["shape"] == (-1, 3, 8, 8)
        assert info.name == "baseline"  # the logged model is named after the model, not "model"
        registered = client.get_registered_model("trustcnn-baseline")
        assert registered.description == "baseline: trained"
        assert registered.tags["variant"] == "baseline" and registered.tags["objective"] == "ce"
        assert client.get_model_version("trustcnn-baseline", "1").description == "baseline: trained"
        assert set_champion("trustcnn-baseline", "1", "baseline — the only one", "best")
        assert client.get_registered_model("trustcnn-baseline").description == "baseline: trained\n\nChampion: baseline — the only one"
        assert set_champion("trustcnn-trust_mask", "1", "trust_mask — more often right", "best")
        assert client.get_registered_model("trustcnn-trust_mask").aliases == {"champion": 1}
        dethroned = client.get_registered_model("trustcnn-baseline")
        assert "champion" not in dethroned.aliases and "trustcnn.champion_criterion" not in dethroned.tags
        assert dethroned.description == "baseline: trained"  # the paragraph saying why it won went with the alias
        champion = client.get_registered_model("trustcnn-trust_mask")
        assert champion.description.endswith("Champion: trust_mask — more often right")
        assert champion.tags["trustcnn.champion_criterion"] == "best"
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


def _metrics() -> dict:
    def estimate(value: float, low: float, high: float) -> dict:
        return {"value": value, "ci95": [low, high]}

    def row(accuracy: float, flips: float, right_accurate: float) -> dict:
        return {
            "accuracy": estimate(accuracy, accuracy - 0.05, accuracy + 0.05),
            "decoy_drop": estimate(0.3, 0.2, 0.4),
            "gap_closed": {"value": None, "ci95": [None, None]},
            "decoy_flip_rate": estimate(flips, flips - 0.05, flips + 0.05),
            "energy_in_mask": estimate(0.25, 0.2, 0.3),
            "case_shares": {"overall": {"right_accurate": estimate(right_accurate, right_accurate - 0.05, right_accurate + 0.05)}},
            "error_detection": {"msp": {"auroc": estimate(0.8, 0.7, 0.9), "coverage": 0.8}},
        }

    return {"models": {"baseline": row(0.5, 0.5, 0.1), "rrr": row(0.6, 0.3, 0.4)}, "champion": {"model": "rrr", "criterion": "the best"}}


def test_the_parent_run_gets_a_few_prefixed_headline_numbers_per_model() -> None:
    from trustcnn.evaluation import headline
    from trustcnn.tracking.reports import headline_metrics

    numbers = headline_metrics(headline(_metrics()))
    assert numbers["baseline.accuracy"] == 0.5 and numbers["rrr.flip_rate"] == 0.3 and numbers["rrr.energy"] == 0.25
    assert "rrr.gap_closed" not in numbers  # undefined here: left out, not logged as NaN
    assert len([k for k in numbers if k.startswith("rrr.")]) <= 7


def test_a_models_test_metrics_and_why_the_champion_won() -> None:
    from trustcnn.tracking.reports import model_test_metrics, why_champion

    metrics = _metrics()
    found = model_test_metrics(metrics["models"]["rrr"])
    assert found["test_accuracy"] == 0.6 and found["test_accuracy_ci_low"] == pytest.approx(0.55)
    assert found["test_case_right_accurate"] == 0.4 and found["test_error_detection.msp.auroc"] == 0.8
    assert "test_gap_closed" not in found
    why = why_champion(metrics, "baseline")
    assert why.startswith("rrr — accuracy 0.600 [0.550, 0.650], decoy flip rate 0.300 [0.250, 0.350]")
    assert "; baseline: accuracy 0.500" in why and why.endswith("Criterion: the best.")


def test_a_registered_models_description_says_what_trained_it_on_which_data() -> None:
    from trustcnn.tracking.reports import model_description

    params = {
        "objective": "ce+penalty_rrr_gradcam",
        "optim": {"saliency_method": "gradcam", "trainable": "trust_layer", "start_from": "baseline", "epochs": 20, "lr": 0.05, "lam": 1.0},
    }
    data = {"trustcnn.data.train_set.md5": "0123456789abcdef"}
    assert model_description("rrr_gradcam", params, data) == (
        "rrr_gradcam: objective ce+penalty_rrr_gradcam on gradcam maps; trust_layer trained from baseline, "
        "epochs 20, lr 0.05, lam 1.0. Data (DVC md5): train_set 0123456789ab."
    )
    assert model_description("baseline", {"objective": "ce", "optim": {"epochs": 3}}, {}) == "baseline: objective ce; epochs 3."
    rrr = {"objective": "ce+penalty_rrr", "optim": {"saliency_method": "gradcam"}}
    assert model_description("rrr", rrr, {}) == "rrr: objective ce+penalty_rrr."  # input gradients, no map
    assert model_description("rrr_human", {**rrr, "human_masks": {"images": 540, "marked": 25}}, {}) == (
        "rrr_human: objective ce+penalty_rrr; masks people marked on 25 of 540 training images."
    )
    assert model_description("rrr_human", {**rrr, "human_masks": {"images": 540, "marked": 0}}, {}).endswith(
        "on 0 of 540 training images (none yet: trained without its mask term)."
    )
