"""The library imports without Kedro: notebooks and other tools can use it directly."""

import subprocess
import sys

LIBRARY = (
    "runtime",
    "runtime.atomic",
    "runtime.journal",
    "runtime.runlock",
    "runtime.processes",
    "runtime.console",
    "runtime.checkpoints",
    "saliency",
    "config",
    "parameters",
    "data",
    "data.sources",
    "models",
    "losses",
    "metrics",
    "batches",
    "plotting",
    "training",
    "posthoc",
    "error_detection",
    "robustness",
    "criticism",
    "criticism.model",
    "evaluation",
    "replicates.summary",
    "replicates.report",
    "replicates.champion",
    "replicates.docs",
    "replicates.layout",
    "user_study",
    "user_study.package",
    "user_study.analysis",
    "user_study.web",
    "user_study.adversarial",
    "user_study.annotation.package",
    "user_study.annotation.marks",
    "user_study.annotation.web",
    "tracking",
    "tracking.liveness",
    "lineage",
)


def test_library_modules_do_not_import_kedro() -> None:
    code = "; ".join(f"import trustcnn.{m}" for m in LIBRARY)
    code += "; import sys; loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('kedro', 'kedro_mlflow')); print(loaded); assert not loaded"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
