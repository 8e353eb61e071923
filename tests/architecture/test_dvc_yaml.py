"""What ``dvc.yaml`` shows people: a plot for every model, a small metrics file, no YAML merge
keys in the parameter files ``dvc exp run -S`` rewrites."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import yaml

from trustcnn.dvc_stages import PARAMETERS, STAGES, follow_variant_lists, stage_keys, stage_outs

PROJECT = Path(__file__).resolve().parents[2]


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
    dvc = (PROJECT / "dvc.yaml").read_text() + (PROJECT / "replicates/dvc.yaml").read_text()
    for path in sorted((PROJECT / "conf/base").glob("parameters*.yml")):
        text = path.read_text()
        assert path.name in dvc, path
        assert "<<:" not in text and not re.search(r"(?m)^[^#\n]*[:-]\s+&\w", text), f"YAML anchor or merge in {path}"


def test_every_stage_has_the_seed_as_a_parameter() -> None:
    stages = yaml.safe_load((PROJECT / "dvc.yaml").read_text())["stages"]
    for name, stage in stages.items():
        params = stage.get("do", stage)["params"]
        assert {"conf/base/parameters.yml": ["seed"]} in params, name


def test_replicates_are_a_stage_per_seed_apart_from_the_main_pipeline() -> None:
    """`dvc repro` (make run) reproduces dvc.yaml and its upstream only: no main stage may read a
    replicate's output, or the replicates would run first. The summary the evaluation reads is in
    git, nobody's declared output."""
    main = yaml.safe_load((PROJECT / "dvc.yaml").read_text())["stages"]
    replicates = yaml.safe_load((PROJECT / "replicates/dvc.yaml").read_text())["stages"]
    assert replicates["seed"]["foreach"] == "${replicate.seeds}"
    assert "--params=seed=${item},replicate.active=true" in replicates["seed"]["do"]["cmd"]
    assert all(out.startswith("data/replicates/seed_${item}/") for out in replicates["seed"]["do"]["outs"])
    deps = [dep for stage in main.values() for dep in stage.get("do", stage).get("deps", [])]
    assert not [dep for dep in deps if dep.startswith("data/replicates")]
    outs = [next(iter(o)) if isinstance(o, dict) else o for stage in replicates.values() for o in stage.get("do", stage)["outs"]]
    assert "data/08_reporting/replicates/summary.json" in main["analysis"]["deps"]
    assert "data/08_reporting/replicates/summary.json" not in outs


def test_trust_stages_name_every_variant_of_their_list() -> None:
    """DVC can't expand a list inside one stage, so the ``trust`` and ``trust_human`` stages name
    each variant: its parameter block (with ``trust_defaults``, which every variant is laid over)
    and its two output folders. A variant added to a list but not here would run unseen by DVC:
    ``python -m trustcnn.dvc_stages`` writes them."""
    stages = yaml.safe_load((PROJECT / "dvc.yaml").read_text())["stages"]
    params = yaml.safe_load((PROJECT / PARAMETERS).read_text())
    for stage, listed in STAGES.items():
        body = stages[stage]
        assert body["cmd"] == f"kedro run --pipelines={stage}"
        keys = next(p[PARAMETERS] for p in body["params"] if PARAMETERS in p)
        assert keys == stage_keys(listed, params[listed]), f"{stage}: run python -m trustcnn.dvc_stages"
        assert body["outs"] == stage_outs(params[listed]), f"{stage}: run python -m trustcnn.dvc_stages"


def test_the_trust_stages_follow_edited_lists_with_their_comments_kept(tmp_path: Path) -> None:
    (tmp_path / "conf/base").mkdir(parents=True)
    shutil.copy(PROJECT / "dvc.yaml", tmp_path / "dvc.yaml")
    params = yaml.safe_load((PROJECT / PARAMETERS).read_text())
    (tmp_path / PARAMETERS).write_text(yaml.safe_dump(params | {"trust_variants": ["rrr"], "human_mask_variants": ["rrr_human", "new"]}))
    assert follow_variant_lists(tmp_path) and not follow_variant_lists(tmp_path)
    stages = yaml.safe_load((tmp_path / "dvc.yaml").read_text())["stages"]
    assert stages["trust"]["outs"] == ["data/06_models/rrr", "data/08_reporting/rrr"]
    assert {PARAMETERS: ["trust_defaults", "human_mask_variants", "rrr_human", "new"]} in stages["trust_human"]["params"]
    original = yaml.safe_load((PROJECT / "dvc.yaml").read_text())["stages"]
    assert {k: v for k, v in stages.items() if k not in STAGES} == {k: v for k, v in original.items() if k not in STAGES}
    assert (tmp_path / "dvc.yaml").read_text().count("#") == (PROJECT / "dvc.yaml").read_text().count("#")
