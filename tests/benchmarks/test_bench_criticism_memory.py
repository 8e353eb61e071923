"""The criticism memory benchmark runs end to end at a tiny size (``--smoke``) and reports both variants."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def test_bench_criticism_memory_smoke_reports_peak_rss_of_trustcnn_and_its_peer() -> None:
    result = subprocess.run(
        [sys.executable, "bench_criticism_memory.py", "--smoke", "--global"],
        cwd=BENCHMARKS,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    rows = {line.split(" | ")[0].removeprefix("| "): line for line in result.stdout.splitlines() if line.startswith("| ")}
    assert {"trustcnn", "mmd-critic", "trustcnn-global"} <= set(rows)
    for variant in ("trustcnn", "mmd-critic", "trustcnn-global"):
        above, peak, seconds = (float(cell) for cell in rows[variant].strip(" |").split(" | ")[1:])
        assert 0 <= above <= peak and peak > 10 and seconds >= 0, rows[variant]
    assert "trustcnn / mmd-critic peak above start:" in result.stdout
    assert "within the budget" in result.stdout
