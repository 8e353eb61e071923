"""Where a run's inputs came from: the git commit of the code, the seed, and the DVC hash of
each data file it read, as MLflow tags.

DVC (3.x) identifies a file by the MD5 of its bytes, so :func:`dvc_md5` gives the very
value ``dvc.lock`` records for an output such as ``data/03_primary/train.npz``: a run's
tag says which DVC version of the data it trained on.
"""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Mapping
from pathlib import Path

GIT_COMMIT_TAG = "mlflow.source.git.commit"  # the tag MLflow's UI shows as the run's source version
PREFIX = "trustcnn."


SEED_TAG = f"{PREFIX}seed"  # the top-level seed every seeded part of the run derives from


def is_provenance_tag(key: str) -> bool:
    return key in (GIT_COMMIT_TAG, SEED_TAG) or key.startswith((f"{PREFIX}git_", f"{PREFIX}data."))


def seed_tags(seed: int) -> dict[str, str]:
    return {SEED_TAG: str(seed)}


def dvc_md5(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def git_tags(root: Path) -> dict[str, str]:
    """The commit checked out at ``root`` and whether the work tree differs from it; empty
    outside a git repository (e.g. an installed copy of the project)."""

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if commit is None:
        return {}
    dirty = git("status", "--porcelain", "--untracked-files=no")
    return {GIT_COMMIT_TAG: commit, f"{PREFIX}git_commit": commit, f"{PREFIX}git_dirty": str(bool(dirty)).lower()}


def data_tags(files: Mapping[str, Path]) -> dict[str, str]:
    """``trustcnn.data.<name>.md5`` for each dataset name → file that exists."""
    return {f"{PREFIX}data.{name}.md5": dvc_md5(path) for name, path in files.items() if Path(path).is_file()}
