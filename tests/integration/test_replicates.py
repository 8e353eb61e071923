"""``make replicate`` on a fresh git clone (smoke-sized, one trust variant): each seed its own DVC
stage, a second run does nothing, an added seed runs alone; the summary, the forest plot and the
MLflow runs; every seeded part follows ``seed``; the main evaluation follows a current summary's
champion and refuses a stale one; ``make run`` never runs a replicate."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from mlflow.tracking import MlflowClient

from trustcnn.dvc_stages import follow_variant_lists

from .conftest import PROJECT
from .test_dvc_pipeline import IDENTITY, stages_run, up_to_date

BIN = Path(sys.executable).parent
SEEDS = Path("conf/base/parameters_replicate.yml")
SUMMARY = Path("data/08_reporting/replicates/summary.json")
# The parts the top-level seed reaches, as the run of each replicate logs them.
SEEDED_PARAMS = (
    "data.seed",
    "source_training.seed",
    "baseline.seed",
    "rrr.trust.seed",
    "saliency.seed",
    "evaluation.seed",
    "error_detection.seed",
    "robustness.seed",
    "user_study.seed",
)
# trust_variants: [rrr] and human_mask_variants: [rrr_human] (see `clone`)
MODELS = {"baseline", "no_decoy", "rrr", "rrr_human"}


def run(clone: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("MLFLOW_TRACKING_URI", "KEDRO_ENV")}
    env |= {"PATH": f"{BIN}:{env['PATH']}", "KEDRO_DISABLE_TELEMETRY": "1", "MPLBACKEND": "Agg", **IDENTITY}
    env["COLUMNS"] = "1000"  # rich's log lines unwrapped, so a message reads as one line
    result = subprocess.run(args, cwd=clone, env=env, capture_output=True, text=True, timeout=3600)
    if check:
        assert result.returncode == 0, f"{' '.join(args)}\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return result


def set_seeds(clone: Path, seeds: list[int]) -> None:
    text = (clone / SEEDS).read_text()
    block = "".join(f"  - {seed}\n" for seed in seeds)
    start = text.index("  seeds:\n") + len("  seeds:\n")
    end = text.index("  active:")
    (clone / SEEDS).write_text(text[:start] + block + text[end:])


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("replicates") / "trustcnn"
    subprocess.run(["git", "clone", "--quiet", str(PROJECT), str(root)], check=True)
    smoke = yaml.safe_load((root / "conf/smoke/parameters.yml").read_text())
    smoke.pop("replicate")  # the seeds and the variants are conf/base's, where DVC reads them
    (root / "conf/local/parameters.yml").write_text(yaml.safe_dump(smoke))
    trust = root / "conf/base/parameters_trust.yml"
    variants = yaml.safe_load(trust.read_text())["trust_variants"]
    text = trust.read_text().replace("".join(f"- {v}\n" for v in variants), "- rrr\n", 1)
    trust.write_text(re.sub(r"^- (rrr_gradcam_human|trust_mask_human)\b.*\n", "", text, flags=re.MULTILINE))  # and one human-mask variant
    follow_variant_lists(root)  # DVC's trust stages name them
    set_seeds(root, [0, 1])
    return root


def client(clone: Path) -> MlflowClient:
    return MlflowClient(tracking_uri=f"sqlite:///{clone / 'mlflow.db'}")


def test_make_run_depends_on_no_replicate(clone: Path) -> None:
    """`dvc repro` runs dvc.yaml's stages and their upstream: the evaluation's reaches no replicate
    (tests/integration/test_dvc_pipeline.py runs it)."""
    upstream = run(clone, "dvc", "dag", "--dot", "analysis").stdout
    assert "baseline" in upstream and "trust_human" in upstream and "replicates/" not in upstream


def test_replicate_runs_each_seed_then_the_aggregate_then_the_main_pipeline(clone: Path) -> None:
    ran = stages_run(run(clone, "trustcnn", "replicate", "--runner", "sequential").stdout)
    seeds = {"replicates/dvc.yaml:seed@0", "replicates/dvc.yaml:seed@1"}  # DVC orders independent stages as it likes
    assert set(ran[:2]) == seeds and ran[2] == "replicates/dvc.yaml:aggregate", ran
    assert "analysis" in ran[3:], ran
    for seed in (0, 1):
        replicate = clone / f"data/replicates/seed_{seed}"
        assert json.loads((replicate / "08_reporting/replicate.json").read_text())["seed"] == seed
        assert set(json.loads((replicate / "08_reporting/metrics.json").read_text())["models"]) == MODELS
    assert up_to_date(run(clone, "dvc", "status", "dvc.yaml").stdout)  # but human_masks, which always re-reads the marks
    assert "up to date" in run(clone, "dvc", "status", "replicates/dvc.yaml").stdout


def test_every_seeded_part_follows_the_seed(clone: Path) -> None:
    mlflow = client(clone)
    experiment = mlflow.get_experiment_by_name("trustcnn-replicates")
    parents = {r.info.run_name: r for r in mlflow.search_runs([experiment.experiment_id], "tags.mlflow.runName LIKE 'seed_%'")}
    assert set(parents) == {"seed_0", "seed_1"}
    for seed in (0, 1):
        params = parents[f"seed_{seed}"].data.params
        assert params["seed"] == str(seed) and parents[f"seed_{seed}"].data.tags["trustcnn.seed"] == str(seed)
        assert {name: params[name] for name in SEEDED_PARAMS} == dict.fromkeys(SEEDED_PARAMS, str(seed))
    # …and the outputs change with it: other splits, other weights.
    split = [(clone / f"data/replicates/seed_{seed}/03_primary/test.npz").read_bytes() for seed in (0, 1)]
    weights = [(clone / f"data/replicates/seed_{seed}/06_models/rrr/model.pt").read_bytes() for seed in (0, 1)]
    assert split[0] != split[1] and weights[0] != weights[1]


def test_replicate_runs_carry_the_seed_and_register_nothing(clone: Path) -> None:
    mlflow = client(clone)
    experiment = mlflow.get_experiment_by_name("trustcnn-replicates")
    runs = mlflow.search_runs([experiment.experiment_id])
    nested = [r for r in runs if "mlflow.parentRunId" in r.data.tags]
    assert {r.info.run_name for r in nested} >= {"source_backbone", *MODELS}
    assert all(r.data.tags["trustcnn.seed"] == r.data.params["seed"] for r in nested)
    registered = [m.name for m in mlflow.search_registered_models()]
    assert registered and not [name for name in registered if "replicates" in name]
    main = {m.name: m for m in mlflow.search_registered_models("name LIKE 'trustcnn-%'")}
    assert {f"trustcnn-{name}" for name in MODELS} <= set(main)


def test_summary_forest_plot_and_the_champion_the_main_run_follows(clone: Path) -> None:
    summary = json.loads((clone / SUMMARY).read_text())
    assert summary["seeds"] == [0, 1] and set(summary["models"]) == MODELS
    flips = summary["models"]["rrr"]["decoy_flip_rate"]
    assert len(flips["values"]) == 2 and flips["ci95"] is not None and "better_in" in flips["vs_baseline"]
    markdown = (clone / "data/08_reporting/replicates/summary.md").read_text()
    assert "t-interval" in markdown and "| rrr |" in markdown
    assert (clone / "data/08_reporting/replicates/forest.png").read_bytes()[:4] == b"\x89PNG"
    champion = json.loads((clone / "data/08_reporting/metrics.json").read_text())["champion"]
    assert champion["model"] == summary["champion"]["model"] and champion["seeds"] == [0, 1] and "this_seed" in champion
    holder = [m.name for m in client(clone).search_registered_models("name LIKE 'trustcnn-%'") if "champion" in m.aliases]
    assert holder == [f"trustcnn-{champion['model']}"]
    study = json.loads((clone / "data/08_reporting/user_study/key.json").read_text())
    assert champion["model"] in study["models"]
    aggregate = client(clone).search_runs(
        [client(clone).get_experiment_by_name("trustcnn").experiment_id], "tags.mlflow.runName = 'aggregate'"
    )[0]
    assert aggregate.data.tags["trustcnn.seeds"] == "0,1"


def test_a_second_replicate_runs_nothing(clone: Path) -> None:
    assert stages_run(run(clone, "trustcnn", "replicate").stdout) == []


def test_an_added_seed_runs_alone(clone: Path) -> None:
    set_seeds(clone, [0, 1, 2])
    ran = stages_run(run(clone, "trustcnn", "replicate").stdout)
    assert ran[:2] == ["replicates/dvc.yaml:seed@2", "replicates/dvc.yaml:aggregate"]
    assert not [stage for stage in ran if stage.endswith(("seed@0", "seed@1"))]
    assert json.loads((clone / SUMMARY).read_text())["seeds"] == [0, 1, 2]


def test_replicates_or_a_summary_made_with_other_parameters_never_pick_the_champion(clone: Path) -> None:
    local = clone / "conf/local/parameters.yml"
    original = local.read_text()
    changed = yaml.safe_load(original) | {"evaluation": {**yaml.safe_load(original)["evaluation"], "iou_threshold": 0.4}}
    local.write_text(yaml.safe_dump(changed))
    try:
        refused = run(clone, "kedro", "run", "--pipelines=aggregate", check=False)
        output = " ".join((refused.stdout + refused.stderr).split())
        assert refused.returncode != 0 and "seed_0: evaluation.iou_threshold: 0.5 → 0.4" in output
        evaluated = run(clone, "kedro", "run", "--pipelines=evaluation")
        assert "was made with other parameters" in " ".join((evaluated.stdout + evaluated.stderr).split())
        champion = json.loads((clone / "data/08_reporting/metrics.json").read_text())["champion"]
        assert "seeds" not in champion
    finally:
        local.write_text(original)
