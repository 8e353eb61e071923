"""Where a replicate lives: its outputs under ``<data_root>/replicates/seed_<N>`` (the same layout
as the run it replicates), its MLflow runs in the experiment ``<experiment>-replicates``, named
``seed_<N>``. Nothing trained there is registered, so replicates never crowd the Model Registry
nor move an ``@champion`` (:func:`trustcnn.tracking.models.log_torch_model`)."""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

FOLDER = "replicates"
EXPERIMENT_SUFFIX = "-replicates"
_SEED_FOLDER = re.compile(r"seed_(\d+)")


def seed_folder(seed: int) -> str:
    return f"seed_{seed}"


def replicate_root(data_root: str | Path, seed: int) -> str:
    """``<data_root>/replicates/seed_<seed>``."""
    return f"{str(data_root).rstrip('/')}/{FOLDER}/{seed_folder(seed)}"


def seed_of(folder: str | Path) -> int | None:
    """``3`` for a folder named ``seed_3``, else None."""
    match = _SEED_FOLDER.fullmatch(Path(folder).name)
    return int(match.group(1)) if match else None


def replicate_experiment(experiment: str) -> str:
    return experiment if is_replicate_experiment(experiment) else f"{experiment}{EXPERIMENT_SUFFIX}"


def is_replicate_experiment(experiment: str) -> bool:
    return experiment.endswith(EXPERIMENT_SUFFIX)


def for_replicate(key: str, config: Mapping[str, Any], seed: int) -> dict[str, Any]:
    """The ``globals`` or ``mlflow`` configuration of a replicate's run with seed ``seed``:
    ``data_root`` moved under ``replicates/seed_<seed>``; the experiment renamed
    ``<experiment>-replicates`` and the run ``seed_<seed>``."""
    adapted = copy.deepcopy(dict(config))
    if key == "globals":
        adapted["data_root"] = replicate_root(adapted.get("data_root", "data"), seed)
    elif key == "mlflow":
        tracking = adapted.setdefault("tracking", {})
        experiment = tracking.setdefault("experiment", {})
        experiment["name"] = replicate_experiment(experiment.get("name") or "Default")
        tracking.setdefault("run", {})["name"] = seed_folder(seed)
    return adapted
