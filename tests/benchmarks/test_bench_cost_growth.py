"""The cost-growth benchmark runs end to end with tiny sizes (``--smoke``) and reports every stage."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from trustcnn.data.fashion_mnist import find_raw_root

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
STAGES = ("ingestion", "baseline", "trust", "saliency", "error_detection", "robustness", "criticism", "evaluation")


@pytest.mark.integration  # a real `kedro run` per stage
@pytest.mark.skipif(find_raw_root(None) is None, reason="needs Debian's dataset-fashion-mnist")
def test_bench_cost_growth_smoke_reports_wall_time_and_peak_rss_of_every_stage(tmp_path: Path) -> None:
    figure = tmp_path / "cost.png"
    result = subprocess.run(
        [sys.executable, "bench_cost_growth.py", "--smoke", "--plot", str(figure)],
        cwd=BENCHMARKS,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    rows = {cells[1]: cells for line in result.stdout.splitlines() if len(cells := line.split()) == 6 and cells[0] == "200"}
    assert set(rows) == set(STAGES)
    for stage, (_, _, seconds, s_unit, rss, rss_unit) in rows.items():
        assert (s_unit, rss_unit) == ("s", "MiB")
        assert float(seconds) > 0 and 100 < float(rss) < 24 * 1024, (stage, seconds, rss)
    table = [line for line in result.stdout.splitlines() if line.startswith("| ")]
    assert [row.split(" | ")[0].removeprefix("| ") for row in table[1:-1]] == list(STAGES)
    assert figure.read_bytes().startswith(b"\x89PNG")
