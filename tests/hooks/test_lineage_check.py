"""The command a stale-input message gives: the stages that write the stale inputs and the
stages between them that read what they write (the project's registered pipelines)."""

from __future__ import annotations

import pytest
from kedro.io import DataCatalog
from kedro.pipeline import Pipeline

from trustcnn.hooks.lineage_check import LineageCheck


def check_for(env: str | None) -> LineageCheck:
    hook = LineageCheck()
    hook.before_pipeline_run({"env": env, "project_path": "/project"}, Pipeline([]), DataCatalog())
    return hook


@pytest.mark.parametrize(
    "stale, stages",
    [
        (["baseline.model", "trust_mask.model"], "baseline,trust"),
        (["baseline.maps", "baseline.predictions"], "saliency"),
        (
            ["source_metrics", "baseline.maps", "baseline.error_detection", "baseline.robustness"],
            "baseline,trust,trust_human,saliency,error_detection,robustness",
        ),  # trust and trust_human: they read the baseline's model
        (["metrics", "baseline.model"], "baseline,trust,trust_human,saliency,error_detection,robustness,criticism,evaluation"),
        (["test_set"], "ingestion"),
    ],
)
def test_the_refresh_command_runs_the_stale_stages_and_those_between(stale: list[str], stages: str) -> None:
    assert check_for(None)._refresh(stale) == f"`kedro run --pipelines={stages}` (or `dvc repro`)"


def test_another_environment_is_named_as_the_run_chose_it(monkeypatch: pytest.MonkeyPatch) -> None:
    assert check_for("smoke")._refresh(["baseline.maps"]) == "`kedro run --pipelines=saliency --env=smoke`"
    monkeypatch.setenv("KEDRO_ENV", "smoke")
    assert check_for("smoke")._refresh(["baseline.maps"]) == "`KEDRO_ENV=smoke kedro run --pipelines=saliency`"
