"""The GPU benchmark runs anywhere with small sizes (``--smoke``) and prints every row."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def test_bench_gpu_smoke_prints_every_objective_precision_and_the_posthoc_comparison() -> None:
    result = subprocess.run([sys.executable, "bench_gpu.py", "--smoke"], cwd=BENCHMARKS, capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stderr[-3000:]
    rows = [line.split() for line in result.stdout.splitlines()]
    variants = yaml.safe_load((BENCHMARKS.parent / "conf/base/parameters_trust.yml").read_text())["trust_variants"]
    for objective in ["cross_entropy", *variants]:
        for precision in ("fp32", "bfloat16"):
            assert any(r[:3] == [objective, precision, "images"] for r in rows if len(r) >= 3), (objective, precision)
    assert any(r[:1] == ["trustcnn"] for r in rows) and any(r[:1] == ["captum"] for r in rows)


def test_bench_gpu_profiles_one_step_per_objective_into_chrome_traces(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "bench_gpu.py", "--smoke", "--only", "rrr", "--fp32-only", "--no-posthoc", "--profile", str(tmp_path)],
        cwd=BENCHMARKS,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cross_entropy.json", "rrr.json"]
    assert "top operators" in result.stdout and "trust_gradcam" not in result.stdout
