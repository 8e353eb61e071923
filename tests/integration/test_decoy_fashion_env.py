"""The decoy_fashion environment, chosen with KEDRO_ENV, end to end on files the test writes."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from mlflow.tracking import MlflowClient

from tests.fashion_files import write_fashion_raw

from .conftest import kedro


def test_decoy_fashion_trains_its_own_variants_end_to_end(project: Path, tmp_path: Path) -> None:
    raw = write_fashion_raw(tmp_path / "fashion", train=120, test=40)
    variants = yaml.safe_load((project / "conf/decoy_fashion/parameters.yml").read_text())["trust_variants"]
    tiny = [f"data.root={raw}", "baseline.epochs=1", "evaluation.n_resamples=50"]
    tiny += [f"{name}.trust.epochs=1" for name in variants]
    result = kedro(project, "run", "--pipelines=transfer", f"--params={','.join(tiny)}", env={"KEDRO_ENV": "decoy_fashion"})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    data = project / "data/envs/decoy_fashion"  # conf/decoy_fashion/globals.yml: apart from the default run's
    assert not (project / "data/08_reporting/metrics.json").exists()
    metrics = json.loads((data / "08_reporting/metrics.json").read_text())
    assert list(metrics["models"]) == ["baseline", "no_decoy", *variants]
    for row in metrics["models"].values():
        assert {"accuracy_consistent", "accuracy_swapped", "decoy_flip_rate", "gap_closed", "decoy_share_input_x_gradient"} <= set(row)
    run_id = json.loads((data / "09_tracking/rrr/mlflow_run.json").read_text())["run_id"]
    params = MlflowClient(tracking_uri=f"sqlite:///{project / 'mlflow.db'}").get_run(run_id).data.params
    # The env's end-to-end settings, not conf/base's; w_rrr = 1 on ten classes is 10× CE.
    assert params["optim.trainable"] == "all" and params["optim.start_from"] == "backbone"
    assert params["optim.optimizer"] == "adam" and params["optim.lr"] == "0.001"
    assert float(params["weight_relative_to_ce.penalty_rrr"]) == 10.0
