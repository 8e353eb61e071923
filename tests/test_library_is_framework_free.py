"""The library imports without Kedro: notebooks and other tools can use it directly."""

import subprocess
import sys

LIBRARY = (
    "data", "models", "saliency", "losses", "training", "inference", "metrics", "plotting", "evaluation", "tracking", "config",
    "atomic", "study", "study.package", "study.analysis", "study.web", "study.adversarial", "detection", "robustness",
    "journal", "runlock", "processes", "tracking.liveness", "console", "criticism", "replicates.summary",
    "replicates.report", "replicates.champion", "replicates.docs", "replicates.layout",
    "study.annotation.package", "study.annotation.marks", "study.annotation.web",
)


def test_library_modules_do_not_import_kedro() -> None:
    code = "; ".join(f"import trustcnn.{m}" for m in LIBRARY)
    code += "; import sys; loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('kedro', 'kedro_mlflow')); print(loaded); assert not loaded"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
