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
    ],
)
def test_invalid_parameter_stops_the_run_before_training(project: Path, override: str, names: tuple[str, ...]) -> None:
    result = kedro(project, "run", "--pipeline=transfer", "--env=smoke", f"--params={override}")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "ParameterValidationError" in output
    for name in names:
        assert name in output, (name, output[-2000:])
    assert "Running node" not in output
    assert not any((project / "data").rglob("*.npz")), "nothing may be written before validation passes"
