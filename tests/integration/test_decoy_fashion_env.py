"""The decoy_fashion environment, chosen with KEDRO_ENV, end to end on files the test writes."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from mlflow.tracking import MlflowClient

from tests.support.fashion_files import write_fashion_raw

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


def test_decoy_fashion_over_seeds_beside_the_published_numbers(project: Path, tmp_path: Path) -> None:
    """The replicate mechanism for this environment on a tiny slice: two seeds, the aggregate,
    and the docs' table with Ross et al.'s and Rieger et al.'s numbers beside our mean ± sd."""
    from trustcnn.replicates.docs import decoy_fashion

    raw = write_fashion_raw(tmp_path / "fashion", train=120, test=40)
    env_file = project / "conf/decoy_fashion/parameters.yml"
    tiny = yaml.safe_load(env_file.read_text())  # the anchors' merges resolved
    tiny["trust_variants"] = ["rrr"]
    tiny["replicate"] = {"seeds": [0, 1]}
    tiny["data"]["root"] = str(raw)
    tiny["baseline"]["epochs"] = 1
    tiny["rrr"]["trust"]["epochs"] = 1
    tiny["evaluation"] = {"n_resamples": 50}
    others = set(yaml.safe_load(env_file.read_text())["trust_variants"]) - {"rrr"}
    env_file.write_text(yaml.safe_dump({k: v for k, v in tiny.items() if not k.startswith("_") and k not in others}))
    for seed in (0, 1):
        result = kedro(
            project, "run", "--pipelines=replicate", f"--params=seed={seed},replicate.active=true", env={"KEDRO_ENV": "decoy_fashion"}
        )
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    result = kedro(project, "run", "--pipelines=aggregate", env={"KEDRO_ENV": "decoy_fashion"})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    summary = json.loads((project / "data/envs/decoy_fashion/08_reporting/replicates/summary.json").read_text())
    assert summary["seeds"] == [0, 1] and set(summary["models"]) == {"baseline", "no_decoy", "rrr"}
    table = "\n".join(decoy_fashion(summary))
    assert "| plain (cross entropy) | 0.516 | 0.601 ± 0.051 |" in table
    assert "| `rrr` (lam = 1, w_rrr = 1) | 0.961 | 0.990 ± 0.010 |" in table
    experiment = MlflowClient(tracking_uri=f"sqlite:///{project / 'mlflow.db'}").get_experiment_by_name("trustcnn-decoy_fashion-replicates")
    assert experiment is not None
