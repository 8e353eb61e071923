"""The real ``transfer`` pipeline (smoke env) end to end: files, metrics and MLflow runs."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import nbformat
import numpy as np
import pytest
from mlflow.tracking import MlflowClient
from nbclient import NotebookClient

from trustcnn.metrics import CASES

from .conftest import MODELS, PROJECT, REAL_METRICS, SMOKE_DATA, SMOKE_EXPERIMENT, SMOKE_RUN, champion_predictions

PNG = b"\x89PNG\r\n\x1a\n"


def test_metrics_json_has_every_model_and_estimate(smoke_run: Path) -> None:
    metrics = json.loads((smoke_run / SMOKE_DATA / "08_reporting/metrics.json").read_text())
    assert set(metrics["models"]) == set(MODELS)
    for name in MODELS:
        row = metrics["models"][name]
        for key in ("accuracy", "precision", "recall", "energy_in_mask", "ssim_vs_baseline"):
            lo, hi = row[key]["ci95"]
            assert lo <= row[key]["value"] <= hi, (name, key, row[key])
    assert metrics["models"]["baseline"]["ssim_vs_baseline"]["value"] == pytest.approx(1.0)
    for name in MODELS:
        row = metrics["models"][name]
        for key in ("pointing_game", "energy_pointing_game", "iou", "sanity_ssim"):
            assert "ci95" in row[key], (name, key)
        for key in ("pointing_game", "energy_pointing_game", "iou"):
            assert "ci95" in row["by_method"]["guided_gradcam"][key], (name, key)
        shares = [row["case_shares"]["overall"][case]["value"] for case in CASES]
        assert sum(shares) == pytest.approx(1.0)
        # Reliance on the decoy, without trained maps (the smoke baseline may not be fooled,
        # so gap_closed may be null: then every model's is).
        for key in (
            "accuracy_consistent",
            "accuracy_swapped",
            "decoy_drop",
            "decoy_flip_rate",
            "decoy_share_gradcam",
            "decoy_share_guided_gradcam",
            "decoy_share_input_x_gradient",
        ):
            lo, hi = row[key]["ci95"]
            assert lo <= row[key]["value"] <= hi, (name, key)
        assert "value" in row["gap_closed"] and "input_x_gradient" in row["by_method"]
    assert len({m["gap_closed"]["value"] is None for m in metrics["models"].values()}) == 1
    assert 0.0 <= metrics["source_backbone"]["accuracy"] <= 1.0
    table3 = json.loads((smoke_run / SMOKE_DATA / "08_reporting/table3.json").read_text())
    table3_md = (smoke_run / SMOKE_DATA / "08_reporting/table3.md").read_text()
    for name in MODELS:
        overall = table3["models"][name]["overall"]
        assert overall == metrics["models"][name]["case_shares"]["overall"]
        cells = " | ".join(f"{overall[c]['value']:.3f} [{overall[c]['ci95'][0]:.3f}, {overall[c]['ci95'][1]:.3f}]" for c in CASES)
        assert f"| {name} | {cells} |" in table3_md
        for label, row in table3["models"][name]["per_class"].items():
            assert f"| {name} | {label} | " + " | ".join(f"{row[c]:.3f}" for c in CASES) + " |" in table3_md
    table1 = json.loads((smoke_run / SMOKE_DATA / "08_reporting/table1.json").read_text())
    table1_md = (smoke_run / SMOKE_DATA / "08_reporting/table1.md").read_text()
    summary = (smoke_run / SMOKE_DATA / "08_reporting/metrics.md").read_text()
    assert f"Champion (@champion in the MLflow registry): {metrics['champion']['model']}" in summary
    assert max(len(line) for line in summary.splitlines()) <= 150
    for name in MODELS:
        assert f"| {name} " in summary
        assert table1["models"][name]["accuracy"] == metrics["models"][name]["accuracy"]
        value = table1["models"][name]["accuracy"]["value"]
        assert f"| {name} | {value:.3f} [" in table1_md
        consistent = table1["reliance"][name]["accuracy_consistent"]
        assert consistent == metrics["models"][name]["accuracy_consistent"]
        assert f"| {name} | {consistent['value']:.3f} [" in table1_md
    assert "Reliance on the decoy" in table1_md


def test_figures_and_arrays_are_written(smoke_run: Path) -> None:
    reporting = smoke_run / SMOKE_DATA / "08_reporting"
    figures = [reporting / "data_preview.png", reporting / "saliency_overlays.png", reporting / "case_bars.png"]
    figures += [reporting / name / "training_curves.png" for name in MODELS]
    figures += [reporting / folder / f"{name}.png" for name in MODELS for folder in ("cases", "confusion")]
    for figure in figures:
        assert figure.read_bytes()[:8] == PNG, figure
    for name in MODELS:
        maps = np.load(smoke_run / SMOKE_DATA / f"07_model_output/maps/{name}.npz")
        assert set(maps.files) == {"gradcam", "guided_gradcam", "input_x_gradient", "sanity", "lineage"}  # docs/lineage.md
        predictions = np.load(smoke_run / SMOKE_DATA / f"07_model_output/predictions/{name}.npz")
        assert {"predictions", "probabilities", "predictions_consistent", "predictions_swapped", "lineage"} == set(predictions.files)
        scores = np.load(smoke_run / SMOKE_DATA / f"07_model_output/scores/{name}.npz")
        assert {"correct", "accurate", "gradcam.energy_in_mask", "input_x_gradient.decoy_share"} <= set(scores.files)
        assert (smoke_run / SMOKE_DATA / f"06_models/{name}/model.pt").stat().st_size > 0
    leftovers = list(smoke_run.rglob(".*.tmp-*"))
    assert not leftovers, f"temporary files left behind: {leftovers}"


def test_mlflow_has_a_parent_run_and_one_nested_run_per_model(smoke_run: Path) -> None:
    assert not (smoke_run / "mlruns").exists()
    client = MlflowClient(tracking_uri=f"sqlite:///{smoke_run / 'mlflow.db'}")
    experiment = client.get_experiment_by_name(SMOKE_EXPERIMENT)
    runs = client.search_runs([experiment.experiment_id])
    by_name = {run.info.run_name: run for run in runs}
    assert {SMOKE_RUN, "source_backbone", *MODELS} <= set(by_name)
    parent = by_name[SMOKE_RUN].info.run_id
    metric_names = []
    for name in MODELS:
        run = by_name[name]
        assert run.data.tags["mlflow.parentRunId"] == parent
        assert len(client.get_metric_history(run.info.run_id, "training/val_accuracy")) == 2  # smoke: 2 epochs
        assert "optim.lr" in run.data.params
        artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
        assert {"training_curves.png", "saliency_overlays.png"} <= artifacts
        metric_names.append(set(run.data.metrics))
        # The evaluation logged into the finished run: its end is still the end of its training.
        evaluated = client.get_metric_history(run.info.run_id, "test_accuracy")[0].timestamp
        assert run.info.status == "FINISHED" and run.info.end_time <= evaluated, name
    # The same metric names in every model run, so the Compare view lines them up
    # (variant-only terms such as loss_mask come on top); curves under training/, none doubled as final_*.
    common = set.intersection(*metric_names)
    assert metric_names[0] <= metric_names[1] and metric_names[0] == common
    for term in ("train_loss_ce", "train_reg_confidence", "train_penalty_wrong", "train_penalty_right"):
        assert f"training/{term}" in metric_names[0]
    assert "test_accuracy" in metric_names[0] and "test_accuracy_ci_low" in metric_names[0]
    assert all(m.startswith(("training/", "test_")) for m in set.union(*metric_names)), set.union(*metric_names)
    objectives = {name: by_name[name].data.params["objective"] for name in ("baseline", "trust_gradcam", "rrr", "rrr_gradcam")}
    assert objectives == {
        "baseline": "ce",
        "trust_gradcam": "ce+eq4+eq5+eq6",
        "rrr": "ce+penalty_rrr",
        "rrr_gradcam": "ce+penalty_rrr_gradcam",
    }
    # The parent reads like a report: a few headline numbers per model, parameters as flat keys.
    summary = by_name[SMOKE_RUN].data
    assert {f"{name}.accuracy" for name in MODELS} <= set(summary.metrics)
    assert len([m for m in summary.metrics if m.split(".")[0] in MODELS]) <= 8 * len(MODELS)
    assert summary.params["evaluation.n_resamples"] == "50" and "evaluation" not in summary.params
    assert not [k for k, v in summary.params.items() if "=" in v and " " in v], "a parameter logged as a repr"
    # Grid search: each point a run nested under its variant's run, one of them selected.
    points = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == by_name["trust_gradcam"].info.run_id]
    assert len(points) == 9
    assert sum(r.data.tags.get("grid_selected") == "true" for r in points) == 1
    assert {"grid.chosen_lr", "grid.chosen_lam"} <= set(by_name["trust_gradcam"].data.params)
    parent_artifacts = {a.path for a in client.list_artifacts(parent)}
    assert {"table1.md", "table3.md", "case_bars.png", "metrics.json"} <= parent_artifacts
    models = client.search_logged_models([experiment.experiment_id])
    assert {m.source_run_id for m in models} >= {by_name[name].info.run_id for name in MODELS}
    assert {m.name for m in models} >= set(MODELS)  # each logged model named after its model


def test_registry_has_every_model_and_one_champion_that_loads_in_a_fresh_process(smoke_run: Path) -> None:
    uri = f"sqlite:///{smoke_run / 'mlflow.db'}"
    client = MlflowClient(tracking_uri=uri)
    registered = {m.name: m for m in client.search_registered_models()}
    assert {f"{SMOKE_EXPERIMENT}-{name}" for name in (*MODELS, "source_backbone")} <= set(registered)
    holders = [name for name, m in registered.items() if "champion" in m.aliases and name.startswith(SMOKE_EXPERIMENT)]
    champion = json.loads((smoke_run / SMOKE_DATA / "08_reporting/metrics.json").read_text())["champion"]["model"]
    assert holders == [f"{SMOKE_EXPERIMENT}-{champion}"]
    run = json.loads((smoke_run / SMOKE_DATA / f"09_tracking/{champion}/mlflow_run.json").read_text())
    assert registered[f"{SMOKE_EXPERIMENT}-{champion}"].aliases["champion"] == int(run["model_version"])
    # Described and tagged: what trained it, on which data; the champion says why it won.
    for name in MODELS:
        model = registered[f"{SMOKE_EXPERIMENT}-{name}"]
        assert model.description.startswith(f"{name}: objective ") and " Data (DVC md5): " in model.description
        assert model.tags["variant"] == name and any(k.startswith("trustcnn.data.") for k in model.tags)
        won = ("\n\nChampion: " in model.description, "trustcnn.champion_criterion" in model.tags)
        assert won == ((True, True) if name == champion else (False, False)), name
    predicted = champion_predictions(uri, f"models:/{SMOKE_EXPERIMENT}-{champion}@champion", smoke_run / SMOKE_DATA / "03_primary/test.npz")
    saved = np.load(smoke_run / SMOKE_DATA / f"07_model_output/predictions/{champion}.npz")["predictions"]
    assert predicted == saved.tolist()
    # Every run carries the DVC hash of the data it read (the copy has no git: no commit tag).
    model_run = client.get_run(run["run_id"])
    md5 = hashlib.md5((smoke_run / SMOKE_DATA / "03_primary/train.npz").read_bytes()).hexdigest()
    assert model_run.data.tags["trustcnn.data.train_set.md5"] == md5


def test_the_smoke_env_leaves_the_real_results_and_champion_as_they_were(smoke_run: Path) -> None:
    # The copy held a real run's metrics.json and @champion before the smoke run (seed_real_results).
    assert (smoke_run / REAL_METRICS).read_bytes() == (PROJECT / REAL_METRICS).read_bytes()
    outside = [p for p in (smoke_run / "data").rglob("*") if p.is_file() and not {"envs", ".trustcnn"} & set(p.parts)]
    assert outside == [smoke_run / REAL_METRICS], "the smoke run wrote outside its data root"
    real = json.loads((PROJECT / REAL_METRICS).read_text())["champion"]["model"]
    client = MlflowClient(tracking_uri=f"sqlite:///{smoke_run / 'mlflow.db'}")
    assert client.get_registered_model(f"trustcnn-{real}").aliases == {"champion": 1}
    assert client.get_experiment_by_name("trustcnn") is None  # every smoke run is in trustcnn-smoke


def test_results_notebook_executes_on_the_smoke_outputs(smoke_run: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEDRO_ENV", "smoke")  # the kernel's session reads the smoke env's catalog
    notebooks = smoke_run / "notebooks"
    notebooks.mkdir(exist_ok=True)
    notebook = nbformat.read(PROJECT / "notebooks" / "results.ipynb", as_version=4)
    client = NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(notebooks)}})
    client.execute()  # a cell that raises fails the test (CellExecutionError)
    images = [o for cell in notebook.cells for o in cell.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) >= 3  # case bars, the champion's case examples, the overlay grid
    text = " ".join(str(o.get("data", {}).get("text/plain", "")) for cell in notebook.cells for o in cell.get("outputs", []))
    assert "right_accurate" in text and "pointing_game" in text
    markdown = " ".join(str(o.get("data", {}).get("text/markdown", "")) for cell in notebook.cells for o in cell.get("outputs", []))
    assert "decoy-driven prototypes" in markdown  # the criticism section


def test_error_detection_robustness_and_bias_reach_metrics_tables_and_mlflow(smoke_run: Path) -> None:
    metrics = json.loads((smoke_run / SMOKE_DATA / "08_reporting/metrics.json").read_text())
    reporting = smoke_run / SMOKE_DATA / "08_reporting"
    for name in MODELS:
        row = metrics["models"][name]
        detection = json.loads((reporting / f"error_detection/{name}.json").read_text())
        assert {"test_set", "val_set", f"{name}.model"} <= set(detection.pop("lineage"))  # docs/lineage.md
        assert row["error_detection"] == detection
        assert set(detection) == {"max_softmax", "stability", "conductance", "combined"}
        for result in detection.values():
            assert "auroc" in result or "note" in result
        assert (reporting / f"error_detection/{name}.png").read_bytes()[:8] == PNG
        attacks = row["robustness"]
        assert set(attacks) == {"fgsm_eps8", "pgd_eps8"}  # smoke: fgsm_eps_255 [8], pgd_eps_255 [8]
        assert {"accuracy", "ssim_clean_vs_adversarial", "energy_in_mask_clean", "energy_in_mask_adversarial"} <= set(attacks["pgd_eps8"])
        assert set(attacks["pgd_eps8"]["detector_auroc"]) == {"max_softmax", "stability", "conductance", "combined"}
        audit = row["bias"]["gradcam"]
        assert set(audit["overall"]) == {"object", "decoy", "elsewhere"}
        assert all("flagged" in shares for shares in audit["per_class"].values())
        features = np.load(smoke_run / SMOKE_DATA / f"07_model_output/detection/{name}.npz")
        assert features["test.conductance"].shape[0] == len(features["test.wrong"])
    for table in ("error_detection.md", "robustness.md", "bias.md"):
        text = (reporting / table).read_text()
        assert all(f"| {name} |" in text for name in MODELS), table
    for figure in ("robustness.png", "bias_audit.png"):
        assert (reporting / figure).read_bytes()[:8] == PNG
    client = MlflowClient(tracking_uri=f"sqlite:///{smoke_run / 'mlflow.db'}")
    run_id = json.loads((smoke_run / SMOKE_DATA / "09_tracking/baseline/mlflow_run.json").read_text())["run_id"]
    run = client.get_run(run_id)
    assert "test_error_detection.max_softmax.auroc" in run.data.metrics
    assert "test_robustness.pgd_eps8.accuracy" in run.data.metrics
    assert "test_bias.gradcam.overall.decoy" in run.data.metrics
    assert "risk_coverage.png" in {a.path for a in client.list_artifacts(run_id)}
    key = json.loads((reporting / "user_study/key.json").read_text())
    assert sum(item["adversarial"] for item in key["items"].values()) == 2  # smoke: adversarial_images 2


def test_criticism_reaches_its_reports_metrics_headline_study_and_mlflow(smoke_run: Path) -> None:
    reporting = smoke_run / SMOKE_DATA / "08_reporting"
    metrics = json.loads((reporting / "metrics.json").read_text())
    everything = json.loads((reporting / "criticism.json").read_text())["models"]
    assert set(everything) == set(MODELS)
    markdown = (reporting / "criticism.md").read_text()
    for name in MODELS:
        report = json.loads((reporting / f"criticism/{name}.json").read_text())
        assert report == everything[name] and report["group_by"] == "prediction" and report["kernel"] == "local"
        assert (reporting / f"criticism/{name}.png").read_bytes()[:8] == PNG
        for row in report["classes"].values():
            assert 1 <= len(row["prototypes"]) <= 3 and len(row["criticisms"]) <= 2  # smoke: 3 and 2
            assert all(item["decoy"] is not None for item in row["prototypes"])  # every smoke image carries a decoy
        driven = metrics["models"][name]["decoy_driven_prototypes"]
        assert driven == report["summary"]["decoy_driven_prototypes"] and 0.0 <= driven["value"] <= 1.0
        assert driven["ci95"][0] <= driven["value"] <= driven["ci95"][1] and driven["base_rate"] is not None
        assert "misclassified_criticisms" in metrics["models"][name] and "per_class" in metrics["models"][name]["criticism"]
        headline = json.loads((reporting / f"headline/{name}.json").read_text())
        assert headline["decoy_driven_prototypes"] == round(driven["value"], 4)
        assert f"| {name} | " in markdown
    assert "decoy-driven prototypes" in (reporting / "metrics.md").read_text()
    key = json.loads((reporting / "user_study/key.json").read_text())
    manifest = json.loads((reporting / "user_study/package/manifest.json").read_text())
    assert len(manifest["criticism"]["items"]) == sum(len(everything[m]["classes"]) for m in key["models"])
    assert set(key["criticism"]["models"]) == set(key["models"])
    client = MlflowClient(tracking_uri=f"sqlite:///{smoke_run / 'mlflow.db'}")
    for name in ("baseline", "trust_mask"):
        run_id = json.loads((smoke_run / SMOKE_DATA / f"09_tracking/{name}/mlflow_run.json").read_text())["run_id"]
        assert {"criticism.json", "criticism.png"} <= {a.path for a in client.list_artifacts(run_id)}
        assert "test_decoy_driven_prototypes" in client.get_run(run_id).data.metrics
