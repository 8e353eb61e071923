"""Bad parameters stop ``kedro run`` before any node runs, naming the parameter."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import kedro


@pytest.mark.parametrize(
    "override, names",
    [
        ("baseline.lr=-0.1", ("baseline", "lr", "greater than 0")),
        ("trust_gradcam.trust.lam=1.5", ("trust_gradcam.trust", "lam", "less than or equal to 1")),
        ("trust_gradcam.trust.saliency_method=lime", ("trust_gradcam.trust", "saliency_method", "gradcam")),
        ("baseline.lr=inf", ("baseline", "lr", "finite number")),
        ("data.classes=[3]", ("data", "classes", "at least 2 items")),
        ("data.seed=-1", ("data", "seed", "greater than or equal to 0")),
        ("evaluation.n_resamples=10000000", ("evaluation", "n_resamples", "less than or equal to 100000")),
        ("model.backbone_weights=/etc/passwd", ("model", "backbone_weights", "/etc/passwd cannot be read as a torch checkpoint")),
    ],
)
def test_invalid_parameter_stops_the_run_before_training(project: Path, override: str, names: tuple[str, ...]) -> None:
    result = kedro(project, "run", "--pipelines=transfer", "--env=smoke", f"--params={override}")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "ParameterValidationError" in output
    for name in names:
        assert name in output, (name, output[-2000:])
    assert "Running node" not in output
    assert not any((project / "data").rglob("*.npz")), "nothing may be written before validation passes"


def test_a_variant_list_the_pipelines_were_not_built_with_is_refused(project: Path) -> None:
    """Pipelines are built from conf/base + KEDRO_ENV before --params/--env are read: a run
    whose trust_variants differ must stop, not train the other list."""
    result = kedro(project, "run", "--pipelines=transfer", "--env=smoke", "--params=trust_variants=[trust_mask]")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "trust_variants" in output and "KEDRO_ENV" in output
    assert "Running node" not in output


@pytest.mark.parametrize(
    "override, message",
    [
        ("baselin.lr=0.1", "unknown parameter(s) 'baselin' (did you mean 'baseline'?)"),
        ("bias.methods.0=gradcam", "--params bias.methods.0=gradcam cannot be merged"),
        ("trust_variants=[]", "trust_variants is [] for this run"),
        ("human_mask_variants=[]", "human_mask_variants is [] for this run"),
        ("rrr_human.trust.masks=data", "['rrr_human'] in human_mask_variants must say trust.masks: human"),
        ("human_masks.threshold=0", "threshold"),
    ],
)
def test_unknown_keys_and_unusable_overrides_stop_the_run_naming_them(project: Path, override: str, message: str) -> None:
    result = kedro(project, "run", "--pipelines=transfer", "--env=smoke", f"--params={override}")
    output = " ".join((result.stdout + result.stderr).split())  # rich wraps long messages
    assert result.returncode != 0
    assert message in output, output[-2000:]
    assert "Running node" not in output
