"""Artefacts made from other data are refused before any work, with one line naming both
files, both versions and the command that refreshes them; the pipelines' own outputs raise no
false alarm. On copies of the session's smoke run (nothing is retrained)."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import numpy as np
import pytest

from trustcnn.lineage import SHORT
from trustcnn.runtime.ondisk import write_npz
from trustcnn.storage import ImageSetDataset, JSONDataset, TorchDataset

from .conftest import MODELS, SMOKE_DATA, copy_run, kedro

BEFORE_TRAINING = "baseline,trust,trust_human"  # trust_human: its models read the baseline's too
BEFORE_EVALUATION = f"{BEFORE_TRAINING},saliency,error_detection,robustness"


@pytest.fixture
def copy(smoke_run: Path, tmp_path: Path) -> Path:
    return copy_run(smoke_run, tmp_path)


def _split(root: Path, name: str) -> str:
    """The split's version (what every artefact made from it records)."""
    return ImageSetDataset(str(root / SMOKE_DATA / f"03_primary/{name}.npz")).artefact(f"{name}_set").version


def _data_version(root: Path) -> str:
    """The version of all the splits of the last ingestion."""
    return ImageSetDataset(str(root / SMOKE_DATA / "03_primary/test.npz")).read_lineage()["build_dataset:outputs"]


def _outputs(root: Path) -> dict[str, str]:
    """Every file under data/ (the run lock and journal aside) with its content hash."""
    files = [p for p in sorted((root / "data").rglob("*")) if p.is_file() and ".trustcnn" not in p.parts]
    return {str(p.relative_to(root)): hashlib.md5(p.read_bytes()).hexdigest() for p in files}


def _stopped(root: Path, pipeline: str) -> str:
    """Run ``pipeline``: it must stop before loading anything, print one ``Error:`` line and no
    traceback, and change no file; returns that line."""
    before = _outputs(root)
    result = kedro(root, "run", f"--pipelines={pipeline}", "--env=smoke")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output[-3000:]
    assert "Traceback" not in output and "Loading data from" not in output and "Running node" not in output, output[-3000:]
    errors = [line for line in output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, output[-3000:]
    assert _outputs(root) == before
    return errors[0]


def _ingest(root: Path, override: str) -> None:
    result = kedro(root, "run", "--pipelines=ingestion", "--env=smoke", f"--params={override}")
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]


@pytest.mark.parametrize(
    "override",
    ["data.test_fraction=0.1", "data.seed=7"],
    ids=["fewer test images (was a crash deep in study/package.py)", "same sizes, other images (was every model at chance)"],
)
def test_stages_run_after_an_ingestion_with_other_data_parameters_stop_naming_both_versions(copy: Path, override: str) -> None:
    old = {split: _split(copy, split) for split in ("val", "test")} | {"data": _data_version(copy)}
    sizes = {split: len(np.load(copy / SMOKE_DATA / f"03_primary/{split}.npz")["labels"]) for split in ("val", "test")}
    _ingest(copy, override)
    new = {split: _split(copy, split) for split in ("val", "test")} | {"data": _data_version(copy)}
    assert all(new[key] != old[key] for key in new)
    assert (len(np.load(copy / SMOKE_DATA / "03_primary/test.npz")["labels"]) == sizes["test"]) == (override == "data.seed=7")
    data, test, val = SMOKE_DATA, f"{SMOKE_DATA}/03_primary/test.npz", f"{SMOKE_DATA}/03_primary/val.npz"

    def stale(what: str, file: str, split: str) -> str:
        return f"{what} was made from {file} version {old[split][:SHORT]}, which is now version {new[split][:SHORT]}"

    assert _stopped(copy, "user_study") == (
        f"Error: {stale(f'{data}/08_reporting/metrics.json', test, 'test')}: refresh with "
        f"`kedro run --pipelines={BEFORE_EVALUATION},criticism,evaluation --env=smoke`"
    )
    assert _stopped(copy, "evaluation") == (
        f"Error: {stale(f'{data}/07_model_output/maps/baseline.npz', test, 'test')}: refresh with "
        f"`kedro run --pipelines={BEFORE_EVALUATION} --env=smoke`"
    )
    assert _stopped(copy, "error_detection") == (
        f"Error: {stale(f'{data}/06_models/baseline/model.pt', val, 'val')}: refresh with "
        f"`kedro run --pipelines={BEFORE_TRAINING} --env=smoke`"
    )
    # A model and a test split share no file: the data version of their splits tells them apart.
    assert _stopped(copy, "saliency") == (
        f"Error: {data}/06_models/baseline/model.pt was made from other splits (data version {old['data'][:SHORT]}) than "
        f"{test} (data version {new['data'][:SHORT]}): refresh with `kedro run --pipelines={BEFORE_TRAINING} --env=smoke`"
    )


def test_the_pipelines_own_outputs_raise_no_false_alarm(copy: Path) -> None:
    """Every artefact of the smoke run records what it was made from, and a stage run again
    on them works."""
    data = copy / SMOKE_DATA
    assert set(TorchDataset(str(data / "06_models/rrr/model.pt")).read_lineage()) >= {"train_set", "val_set", "baseline.model"}
    assert JSONDataset(str(data / "08_reporting/metrics.json"), lineage=True).read_lineage()["test_set"] == _split(copy, "test")
    for stage in ("user_study", "error_detection"):
        result = kedro(copy, "run", f"--pipelines={stage}", "--env=smoke")
        assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]


def test_an_artefact_written_before_records_were_kept_is_named_with_the_fix(copy: Path) -> None:
    maps = copy / SMOKE_DATA / "07_model_output/maps/baseline.npz"
    with zipfile.ZipFile(maps) as archive:  # as older code wrote it: no lineage member
        arrays = {name.removesuffix(".npy"): np.load(archive.open(name)) for name in archive.namelist() if name != "lineage.npy"}
    write_npz(maps, arrays)
    assert _stopped(copy, "evaluation") == (
        f"Error: {SMOKE_DATA}/07_model_output/maps/baseline.npz records no data version (written by an older trustcnn, or "
        "outside the pipelines), so it can't be checked against the other inputs: refresh it with "
        "`kedro run --pipelines=saliency --env=smoke`"
    )


def test_a_study_of_a_model_that_was_not_trained_is_one_line(copy: Path) -> None:
    result = kedro(copy, "run", "--pipelines=user_study", "--env=smoke", "--params=user_study.models=[rrrr]")
    output = result.stdout + result.stderr
    assert result.returncode == 1 and "Traceback" not in output, output[-3000:]
    assert [line for line in output.splitlines() if line.startswith("Error:")] == [
        f"Error: user_study.models names ['rrrr'], which were not trained; choose from {list(MODELS)} or 'champion'"
    ]  # every model the smoke run trained, those on human masks included
