"""What ``dvc.yaml`` shows people: a plot for every model, a small metrics file, no YAML merge
keys in the parameter files ``dvc exp run -S`` rewrites."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

PROJECT = Path(__file__).resolve().parents[1]


def test_plots_show_every_model_trust_variants_names() -> None:
    dvc = yaml.safe_load((PROJECT / "dvc.yaml").read_text())
    params = yaml.safe_load((PROJECT / "conf/base/parameters_trust.yml").read_text())
    variants = params["trust_variants"] + params["human_mask_variants"]
    plots = {next(iter(p)) if isinstance(p, dict) else p for p in dvc["plots"]}
    assert {f"data/08_reporting/{m}/training_curves.png" for m in ("baseline", "no_decoy", *variants)} <= plots
    assert all(p.endswith(".png") for p in plots), "DVC's own charts load Vega from a CDN: images only"


def test_dvc_metrics_are_the_headline_files_only() -> None:
    stages = yaml.safe_load((PROJECT / "dvc.yaml").read_text())["stages"]
    metrics = [next(iter(m)) for stage in stages.values() for m in stage.get("metrics", [])]
    assert metrics == ["data/08_reporting/headline"]


def test_parameter_files_dvc_may_rewrite_have_no_yaml_merge_keys() -> None:
    dvc = (PROJECT / "dvc.yaml").read_text()
    for path in sorted((PROJECT / "conf/base").glob("parameters*.yml")):
        text = path.read_text()
        assert path.name in dvc, path
        assert "<<:" not in text and not re.search(r"(?m)^[^#\n]*[:-]\s+&\w", text), f"YAML anchor or merge in {path}"
