"""Real ``dvc`` on a fresh git clone of the project: repro, no-op repro, a targeted
re-run, an experiment with a changed λ, metrics and plots."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from mlflow.tracking import MlflowClient

from trustcnn.user_study import ResponseStore
from trustcnn.user_study.annotation.grid import Grid
from trustcnn.user_study.annotation.marks import read_marks
from trustcnn.user_study.annotation.store import MarkStore

from .conftest import PROJECT

BIN = Path(sys.executable).parent
IDENTITY = {
    "GIT_AUTHOR_NAME": "trustcnn tests",
    "GIT_AUTHOR_EMAIL": "tests@trustcnn.invalid",
    "GIT_COMMITTER_NAME": "trustcnn tests",
    "GIT_COMMITTER_EMAIL": "tests@trustcnn.invalid",
}


def run(clone: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
    env |= {"PATH": f"{BIN}:{env['PATH']}", "KEDRO_DISABLE_TELEMETRY": "1", "MPLBACKEND": "Agg", **IDENTITY}
    result = subprocess.run(
        args, cwd=clone, env=env, capture_output=True, text=True, timeout=3600
    )  # a busy 2-core machine: a full repro took > 15 min
    assert result.returncode == 0, f"{' '.join(args)}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def trust_variants(clone: Path) -> list[str]:
    params = yaml.safe_load((clone / "conf/base/parameters_trust.yml").read_text())
    return params["trust_variants"] + params["human_mask_variants"]


def human_mask_variants(clone: Path) -> list[str]:
    return yaml.safe_load((clone / "conf/base/parameters_trust.yml").read_text())["human_mask_variants"]


def stages_run(output: str) -> list[str]:
    """The stages that ran, but human_masks: it re-reads people's marks at every repro
    (``always_changed``) and, with the marks unchanged, writes the same bytes."""
    return [name for line in output.splitlines() if line.startswith("Running stage") and (name := line.split("'")[1]) != "human_masks"]


def up_to_date(status: str) -> bool:
    """``dvc status`` says nothing but that human_masks always re-reads the marks."""
    lines = [line.strip() for line in status.splitlines() if line.strip()]
    return "up to date" in status or lines == ["human_masks:", "always changed"]


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("dvc") / "trustcnn"
    subprocess.run(["git", "clone", "--quiet", str(PROJECT), str(root)], check=True)
    # Smoke-sized parameters (conf/local wins over conf/base, and git ignores it).
    shutil.copy(root / "conf/smoke/parameters.yml", root / "conf/local/parameters.yml")
    return root


def test_repro_builds_everything_then_nothing(clone: Path) -> None:
    first = run(clone, "dvc", "repro")
    ran = stages_run(first.stdout)
    # DVC orders the independent trust and trust_human stages either way.
    assert ran[0] == "baseline" and sorted(ran[1:3]) == ["trust", "trust_human"] and ran[3:] == ["analysis"]
    assert not [stage for stage in ran if "replicates/" in stage], "make run must never run the replicates"
    assert "Running stage 'human_masks'" in first.stdout
    second = run(clone, "dvc", "repro")
    assert stages_run(second.stdout) == []  # human_masks ran, found the same marks: nothing after it did
    # A bare `dvc status` lists every dvc.yaml of the project, the replicates' too (never run here).
    assert up_to_date(run(clone, "dvc", "status", "dvc.yaml").stdout)
    assert "replicates/dvc.yaml:seed@0" in run(clone, "dvc", "status").stdout


def test_one_repro_is_one_top_level_mlflow_run_with_its_stages_nested(clone: Path) -> None:
    # After the test above: one `dvc repro` that ran every stage, then one that ran only human_masks
    # (always changed): each a top-level group run, the first holding every stage.
    client = MlflowClient(tracking_uri=f"sqlite:///{clone / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("trustcnn")
    assert experiment.tags["mlflow.experimentKind"] == "custom_model_development"  # MLflow's UI: the runs, not GenAI
    runs = client.search_runs([experiment.experiment_id], max_results=5000)
    top = sorted((r for r in runs if "mlflow.parentRunId" not in r.data.tags), key=lambda r: r.info.start_time)
    assert [(r.info.run_name, r.info.status) for r in top] == [("dvc repro", "FINISHED")] * 2
    group = top[0].info.run_id
    stages = {r.data.tags["trustcnn.dvc_stage"]: r for r in runs if r.data.tags.get("mlflow.parentRunId") == group}
    assert set(stages) == set(yaml.safe_load((clone / "dvc.lock").read_text())["stages"])
    assert all(r.data.tags["trustcnn.dvc_invocation"] == top[0].data.tags["trustcnn.dvc_invocation"] for r in stages.values())
    trained = [r for r in runs if r.info.run_name == "rrr" and r.data.tags.get("mlflow.parentRunId") == stages["trust"].info.run_id]
    assert len(trained) == 1 and {"train_set", "val_set"} <= {i.dataset.name for i in trained[0].inputs.dataset_inputs}


def test_a_forced_rerun_writes_the_same_bytes_so_dvc_lock_is_unchanged(clone: Path) -> None:
    # Same code, data and parameters: the checkpoint and every other output are byte-identical
    # (no run id or temporary name inside), so DVC records the same hashes and nothing is stale.
    lock = (clone / "dvc.lock").read_text()
    assert stages_run(run(clone, "dvc", "repro", "--force", "--single-item", "baseline").stdout) == ["baseline"]
    assert (clone / "dvc.lock").read_text() == lock
    assert up_to_date(run(clone, "dvc", "status", "dvc.yaml").stdout)


def test_runs_carry_the_commit_and_the_data_hashes_dvc_recorded(clone: Path) -> None:
    lock = yaml.safe_load((clone / "dvc.lock").read_text())
    recorded = {out["path"]: out["md5"] for out in lock["stages"]["baseline"]["outs"]}
    head = run(clone, "git", "rev-parse", "HEAD").stdout.strip()
    client = MlflowClient(tracking_uri=f"sqlite:///{clone / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("trustcnn")
    named = client.search_runs([experiment.experiment_id], "tags.mlflow.runName = 'baseline'", order_by=["attributes.start_time DESC"])
    # The `baseline` stage's kedro-mlflow run is named after its pipeline (and tagged with its DVC
    # stage); the model's run is nested in it. The latest one: the forced re-run above trained the
    # baseline a second time.
    baseline = next(r for r in named if "trustcnn.dvc_stage" not in r.data.tags)
    assert baseline.data.tags["trustcnn.data.train_set.md5"] == recorded["data/03_primary/train.npz"]
    assert baseline.data.tags["trustcnn.data.val_set.md5"] == recorded["data/03_primary/val.npz"]
    assert baseline.data.tags["mlflow.source.git.commit"] == head


def test_changing_one_parameter_reruns_only_what_depends_on_it(clone: Path) -> None:
    params = clone / "conf/base/parameters_evaluation.yml"
    params.write_text(params.read_text().replace("overlay_count: 8", "overlay_count: 6"))
    assert stages_run(run(clone, "dvc", "repro").stdout) == ["analysis"]


def test_experiment_with_another_lambda_changes_the_metrics(clone: Path) -> None:
    run(clone, "git", "add", "-A")
    run(clone, "git", "commit", "--quiet", "-m", "smoke baseline")
    before = json.loads((clone / "data/08_reporting/metrics.json").read_text())
    # lam comes from trust_defaults for this variant: Hydra's + adds it to the variant's block.
    result = run(clone, "dvc", "exp", "run", "-S", "conf/base/parameters_trust.yml:+trust_guided_gradcam.trust.lam=0.05")
    assert stages_run(result.stdout)[0] == "trust"
    after = json.loads((clone / "data/08_reporting/metrics.json").read_text())
    guided = "trust_guided_gradcam"
    assert after["models"][guided] != before["models"][guided]
    assert after["models"]["baseline"] == before["models"]["baseline"]
    diff = run(clone, "dvc", "params", "diff").stdout
    assert f"{guided}.trust.lam" in diff


def test_after_dvc_checkout_a_stage_run_on_its_own_raises_no_false_alarm(clone: Path) -> None:
    """Back from the experiment to the commit's outputs: what each artefact records it was made
    from (docs/lineage.md) is restored with it, so a Kedro stage run on them finds them consistent."""
    run(clone, "git", "checkout", "--", ".")
    run(clone, "dvc", "checkout", "--force", "dvc.yaml")  # the main pipeline; replicates/ has its own lock
    assert up_to_date(run(clone, "dvc", "status", "dvc.yaml").stdout)
    run(clone, "kedro", "run", "--pipelines=user_study")


def test_metrics_show_is_a_row_per_model_within_200_columns(clone: Path) -> None:
    shown = run(clone, "dvc", "metrics", "show").stdout
    rows = {Path(line.split()[0]).stem for line in shown.splitlines()[1:] if line.strip()}
    assert rows == {"baseline", "no_decoy", *trust_variants(clone)}
    assert max(len(line) for line in shown.splitlines()) <= 200, shown
    # gap_closed is null (so not shown) where the smoke baseline isn't measurably behind the reference.
    assert {"accuracy", "acc_lo", "acc_hi", "decoy_drop", "flip_rate", "energy", "champion"} <= set(shown.splitlines()[0].split())


def test_plots_show_renders_offline_with_every_model(clone: Path) -> None:
    out = clone.parent / "plots"
    run(clone, "dvc", "plots", "show", "-o", str(out))
    html = (out / "index.html").read_text()
    assert not re.findall(r"(?:src|href)=[\"']?https?://", html), "the page loads something from the network"
    for name in ("baseline", "no_decoy", *trust_variants(clone)):
        assert f"{name}/training_curves.png" in html or f"{name}_training_curves.png" in html, name
    images = re.findall(r"<img[^>]+src=[\"']([^\"']+)", html)
    assert images and all((out / src).is_file() for src in images if not src.startswith("data:"))


def test_push_to_the_default_local_remote(clone: Path) -> None:
    run(clone, "dvc", "push")
    storage = clone.parent / "trustcnn-dvc-storage"
    assert any(storage.rglob("*")), "dvc push wrote nothing to the default remote"


def test_mlflow_store_stays_in_the_clone(clone: Path) -> None:
    assert (clone / "mlflow.db").is_file()
    assert not list(clone.rglob("mlruns"))
    assert not [p for p in clone.parent.rglob("*.db") if p != clone / "mlflow.db"]


def test_new_study_answers_make_dvc_rerun_only_the_analysis(clone: Path) -> None:
    study = clone / "data/08_reporting/user_study"
    manifest = json.loads((study / "package/manifest.json").read_text())
    store = ResponseStore(study / "responses.sqlite")
    person = store.new_participant(manifest["study_id"], {"cs_degree": "no", "knows_saliency": "no", "cv_experience": "yes"})
    store.answer(person, manifest["items"][0]["item_id"], "same")
    assert "analysis" in run(clone, "dvc", "status", "dvc.yaml").stdout
    assert stages_run(run(clone, "dvc", "repro").stdout) == ["analysis"]
    assert json.loads((study / "report.json").read_text())["answers"] == 1
    assert len(store.responses().answers) == 1, "the re-run kept the answer"
    assert up_to_date(run(clone, "dvc", "status", "dvc.yaml").stdout)


def test_new_marks_survive_dvc_rerunning_the_analysis(clone: Path) -> None:
    folder = clone / "data/08_reporting/annotation"
    manifest = json.loads((folder / "package/manifest.json").read_text())
    store = MarkStore(folder / "marks.sqlite")
    person = store.new_participant(manifest["study_id"], {"cs_degree": "no", "knows_saliency": "no", "cv_experience": "yes"})
    store.mark(person, manifest["items"][0]["item_id"], "avoid", Grid.from_manifest(manifest), [0, 1], None)
    assert "analysis" in run(clone, "dvc", "status").stdout
    ran = stages_run(run(clone, "dvc", "repro").stdout)
    assert ran == ["trust_human", "analysis"]
    assert json.loads((folder / "package/manifest.json").read_text()) == manifest, "the same package again"
    assert len(read_marks(folder / "marks.sqlite", folder / "key.json")) == 1, "the re-run kept the marks"
    # The person's mark replaced the smoke env's simulated annotator: one image has a mask, and every
    # variant on human masks retrained on it.
    human = np.load(clone / "data/05_model_input/human_masks.npz")
    assert human["has_mask"].sum() == 1 and human["annotators"].sum() == 1
    assert json.loads((clone / "data/08_reporting/human_masks/report.json").read_text())["source"] == "people"
    trained = json.loads((clone / "data/08_reporting/metrics.json").read_text())["models"]
    assert set(human_mask_variants(clone)) <= set(trained)
