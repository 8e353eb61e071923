"""``dvc exp run -S`` rewrites the parameter file it edits: the parsed Kedro configuration must
then differ in the edited values only (YAML merge keys would be expanded into copies, and a
later edit of the shared defaults would silently stop applying)."""

from __future__ import annotations

import difflib
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from trustcnn.settings import CONFIG_LOADER_ARGS, ConfigLoader

from .conftest import PROJECT

BIN = Path(sys.executable).parent
TRUST = "conf/base/parameters_trust.yml"


def git(clone: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"} | {"PATH": f"{BIN}:{os.environ['PATH']}"}
    done = subprocess.run(args, cwd=clone, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{' '.join(args)}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def flat(tree: Any, prefix: str = "") -> dict[str, Any]:
    if not isinstance(tree, dict):
        return {prefix.rstrip("."): tree}
    return {k: v for key, value in tree.items() for k, v in flat(value, f"{prefix}{key}.").items()}


def parameters(conf: Path) -> dict[str, Any]:
    """The parameters Kedro runs with (conf/base + conf/local, trust defaults laid in), flat."""
    return flat(ConfigLoader(str(conf), **CONFIG_LOADER_ARGS)["parameters"])


def test_dvc_set_param_changes_only_the_values_it_sets(tmp_path: Path) -> None:
    clone = tmp_path / "trustcnn"
    subprocess.run(["git", "clone", "--quiet", str(PROJECT), str(clone)], check=True, timeout=600)
    before = parameters(clone / "conf")
    # Queued, not run: DVC writes the edited file into the experiment's stash commit, as for a run.
    git(
        clone,
        "dvc",
        "exp",
        "run",
        "--queue",
        "-S",
        f"{TRUST}:+trust_gradcam.trust.lam=0.2",  # a key the variant takes from trust_defaults
        "-S",
        f"{TRUST}:rrr.trust.w_rrr=0.002",
    )  # a key the variant sets itself
    edited = tmp_path / "edited"
    shutil.copytree(clone / "conf", edited)
    written = git(clone, "git", "show", f"refs/exps/celery/stash:{TRUST}")
    (edited / "base/parameters_trust.yml").write_text(written)
    # The text changes in the edited lines only: nothing expanded, reordered or restyled.
    lines = difflib.unified_diff((clone / TRUST).read_text().splitlines(), written.splitlines(), n=0, lineterm="")
    changed = [line for line in lines if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert [line[0] + line[1:].split("#")[0].strip() for line in changed] == [
        "-trust: {}",
        "+trust:",
        "+lam: 0.2",
        "-w_rrr: 0.001",
        "+w_rrr: 0.002",
    ], changed
    after = parameters(edited)
    changed = {k: (before.get(k), after.get(k)) for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    assert changed == {"trust_gradcam.trust.lam": (0.5, 0.2), "rrr.trust.w_rrr": (0.001, 0.002)}
    git(clone, "dvc", "queue", "remove", "--all")
