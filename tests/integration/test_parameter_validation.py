"""Bad parameters stop ``kedro run`` before any node runs: one line per bad key naming the
parameter, its value and the reason, and no traceback (``--verbose``/``TRUSTCNN_DEBUG=1``
show it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import kedro


def errors(result) -> list[str]:
    """The ``Error:`` lines of a run that stopped before any work and printed no traceback."""
    output = result.stdout + result.stderr
    assert result.returncode == 1, output[-2000:]
    assert "Traceback" not in output and "Running node" not in output, output[-3000:]
    return [line for line in output.splitlines() if line.startswith("Error:")]


@pytest.mark.parametrize(
    "override, line",
    [
        ("baseline.lr=-0.1", "baseline.lr = -0.1: must be greater than 0"),
        ("trust_gradcam.trust.lam=1.5", "trust_gradcam.trust.lam = 1.5: must be less than or equal to 1"),
        (
            "trust_gradcam.trust.saliency_method=lime",
            "trust_gradcam.trust.saliency_method = lime: unknown saliency method 'lime'; "
            "choose one of: gradcam, guided_gradcam, input_x_gradient, occlusion",
        ),
        ("baseline.lr=inf", "baseline.lr = inf: must be a finite number"),
        ("baseline.lrr=0.1", "baseline.lrr = 0.1: no such parameter (did you mean lr?)"),
        ("data.classes=[3]", "data.classes = [3]: must have at least 2 items, not 1"),
        ("data.seed=-1", "data.seed = -1: must be greater than or equal to 0"),
        ("evaluation.n_resamples=10000000", "evaluation.n_resamples = 10000000: must be less than or equal to 100000"),
        (
            "model.backbone_weights=/etc/passwd",
            "model.backbone_weights = /etc/passwd: /etc/passwd cannot be read as a torch checkpoint (IndexError: list index out of range)",
        ),
    ],
)
def test_invalid_parameter_stops_the_run_before_training(project: Path, override: str, line: str) -> None:
    result = kedro(project, "run", "--pipelines=transfer", "--env=smoke", f"--params={override}")
    assert errors(result) == [f"Error: {line}"]
    assert not any((project / "data").rglob("*.npz")), "nothing may be written before validation passes"


def test_every_bad_key_gets_its_line_and_verbose_shows_the_traceback(project: Path) -> None:
    both = "--params=baseline.lr=inf,data.seed=-1"
    assert errors(kedro(project, "run", "--pipelines=transfer", "--env=smoke", both)) == [
        "Error: data.seed = -1: must be greater than or equal to 0",
        "Error: baseline.lr = inf: must be a finite number",
    ]
    for shown in (
        kedro(project, "run", "--pipelines=transfer", "--env=smoke", both, "--verbose"),
        kedro(project, "run", "--pipelines=transfer", "--env=smoke", both, env={"TRUSTCNN_DEBUG": "1"}),
    ):
        output = shown.stdout + shown.stderr
        assert shown.returncode != 0
        assert "Traceback" in output and "ParameterError" in output, output[-2000:]


def test_a_variant_list_the_pipelines_were_not_built_with_is_refused(project: Path) -> None:
    """Pipelines are built from conf/base + KEDRO_ENV before --params/--env are read: a run
    whose trust_variants differ must stop, not train the other list."""
    result = kedro(project, "run", "--pipelines=transfer", "--env=smoke", "--params=trust_variants=[trust_mask]")
    (line,) = errors(result)
    assert line.startswith("Error: trust_variants is ['trust_mask'] for this run (env 'smoke') but the pipelines were built with [")
    assert "KEDRO_ENV" in line


@pytest.mark.parametrize(
    "override, start",
    [
        (
            "baselin.lr=0.1",
            "unknown parameter(s) 'baselin' (did you mean 'baseline'?): no pipeline reads them and no configuration "
            "file sets them; known: [",
        ),
        (
            "bias.methods.0=gradcam",
            "--params bias.methods.0=gradcam cannot be merged into the configuration (ConfigTypeError: "
            "Cannot merge DictConfig with ListConfig): a list-valued parameter is set whole (e.g. "
            "--params='bias.methods=[gradcam]'), not by index or sub-key",
        ),
        ("trust_variants=[]", "trust_variants is [] for this run"),
        ("seed=-1", "Parameter 'seed' must be a whole number ≥ 0"),
        ("human_mask_variants=[]", "human_mask_variants is [] for this run"),
        ("rrr_human.trust.masks=data", "['rrr_human'] in human_mask_variants must say trust.masks: human"),
        ("human_masks.threshold=0", "human_masks.threshold = 0: must be greater than 0"),
        ("annotation.grid=7", "annotation.grid = 7: must divide data.image_size = 32 into equal cells; choose one of [2, 4, 8, 16, 32]"),
    ],
)
def test_unknown_keys_and_unusable_overrides_stop_the_run_naming_them(project: Path, override: str, start: str) -> None:
    (line,) = errors(kedro(project, "run", "--pipelines=transfer", "--env=smoke", f"--params={override}"))
    assert line.startswith(f"Error: {start}"), line
