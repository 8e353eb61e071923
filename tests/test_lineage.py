"""Versions, records and the check that one step's inputs agree (trustcnn.lineage)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from trustcnn import lineage
from trustcnn.lineage import Artefact, StaleInputError, UnrecordedInputError, check, record_of, split_records
from trustcnn.runtime.ondisk import map_npz, write_npz


def refresh(names) -> str:
    return f"`kedro run --pipelines={','.join(names)}`"


def test_arrays_md5_is_the_content_whether_in_memory_or_mapped(tmp_path: Path) -> None:
    arrays = {"images": np.arange(24, dtype=np.uint8).reshape(2, 3, 4), "labels": np.array([0, 1]), "names": np.array(["a", "b"])}
    write_npz(tmp_path / "split.npz", arrays)
    assert lineage.arrays_md5(map_npz(tmp_path / "split.npz")) == lineage.arrays_md5(arrays)
    assert lineage.arrays_md5({**arrays, "labels": np.array([1, 0])}) != lineage.arrays_md5(arrays)
    assert lineage.arrays_md5({**arrays, "labels": np.array([0, 1], dtype=np.int32)}) != lineage.arrays_md5(arrays)


def test_splits_written_together_share_a_data_version() -> None:
    first = split_records({"train_set": {"x": np.zeros(3)}, "test_set": {"x": np.ones(2)}}, "build_dataset")
    assert set(first["train_set"]) == {"train_set", "build_dataset:outputs"}
    assert first["train_set"]["build_dataset:outputs"] == first["test_set"]["build_dataset:outputs"]
    other = split_records({"train_set": {"x": np.zeros(3)}, "test_set": {"x": np.full(2, 2.0)}}, "build_dataset")
    assert other["train_set"]["train_set"] == first["train_set"]["train_set"]
    assert other["train_set"]["build_dataset:outputs"] != first["train_set"]["build_dataset:outputs"]


def test_a_file_is_hashed_once_per_version(tmp_path: Path) -> None:
    path, calls = tmp_path / "model.pt", []
    path.write_bytes(b"one")

    def count(file: Path) -> str:
        calls.append(file)
        return file.read_text()

    assert lineage.per_file_version(path, "test", count) == "one"
    assert lineage.per_file_version(path, "test", count) == "one"
    (tmp_path / "new").write_bytes(b"two")
    os.replace(tmp_path / "new", path)  # how trustcnn writes: a new file renamed into place
    assert lineage.per_file_version(path, "test", count) == "two"
    assert len(calls) == 2
    assert lineage.file_md5(path) == "b8a9f715dbb64fd5c56e7783c6820a61"  # md5 of b"two", what DVC records


SPLIT = {"test_set": "t" * 32, "build_dataset:outputs": "g" * 32}
TEST = Artefact("test_set", "data/03_primary/test.npz", SPLIT, "t" * 32)
MODEL_RECORD = {"train_set": "r" * 32, "build_dataset:outputs": "g" * 32}
MODEL = Artefact("baseline.model", "data/06_models/baseline/model.pt", MODEL_RECORD, "m" * 32)


def test_inputs_of_one_version_pass_and_outputs_record_all_of_it() -> None:
    maps = Artefact("baseline.maps", "maps.npz", {**MODEL_RECORD, "test_set": "t" * 32, "baseline.model": "m" * 32})
    check([TEST, MODEL, maps], refresh)
    assert record_of([TEST, MODEL]) == {**SPLIT, **MODEL_RECORD, "baseline.model": "m" * 32}


def test_an_artefact_from_another_test_split_is_named_with_both_versions_and_the_fix() -> None:
    old = Artefact(
        "baseline.predictions", "data/07_model_output/predictions/baseline.npz", {"test_set": "a" * 32, "baseline.model": "m" * 32}
    )
    with pytest.raises(StaleInputError) as error:
        check([TEST, old, MODEL], refresh)
    assert str(error.value) == (
        "data/07_model_output/predictions/baseline.npz was made from data/03_primary/test.npz version aaaaaaaa, "
        "which is now version tttttttt: refresh with `kedro run --pipelines=baseline.predictions`"
    )


def test_a_model_from_other_splits_is_told_apart_from_the_test_split_it_shares_no_file_with() -> None:
    model = Artefact("baseline.model", "data/06_models/baseline/model.pt", {**MODEL_RECORD, "build_dataset:outputs": "o" * 32}, "m" * 32)
    with pytest.raises(
        StaleInputError,
        match=r"^data/06_models/baseline/model.pt was made from other splits \(data version oooooooo\) "
        r"than data/03_primary/test.npz \(data version gggggggg\): refresh with `kedro run --pipelines=baseline.model`$",
    ):
        check([model, TEST], refresh)


def test_two_artefacts_from_different_models_are_checked_against_the_model_now() -> None:
    ours = Artefact("trust.maps", "maps/trust.npz", {"baseline.model": "m" * 32, "test_set": "t" * 32})
    older = Artefact("rrr.maps", "maps/rrr.npz", {"baseline.model": "b" * 32, "test_set": "t" * 32})
    with pytest.raises(
        StaleInputError,
        match=r"^maps/rrr.npz was made from data/06_models/baseline/model.pt version bbbbbbbb, which is now version mmmmmmmm: refresh with `kedro run --pipelines=rrr.maps`$",
    ):
        check([TEST, ours, older], refresh, current=lambda key: ("data/06_models/baseline/model.pt", "m" * 32))
    with pytest.raises(
        StaleInputError,
        match=r"^maps/trust.npz was made from baseline.model version mmmmmmmm but maps/rrr.npz from version bbbbbbbb: refresh with `kedro run --pipelines=trust.maps,rrr.maps`$",
    ):
        check([TEST, ours, older], refresh)


def test_an_input_that_records_nothing_is_named_not_guessed() -> None:
    unrecorded = Artefact("baseline.maps", "data/07_model_output/maps/baseline.npz", None)
    with pytest.raises(
        UnrecordedInputError,
        match=r"^data/07_model_output/maps/baseline.npz records no data version .*: refresh it with `kedro run --pipelines=baseline.maps`$",
    ):
        check([TEST, unrecorded], refresh)
    check([unrecorded], refresh)  # one input: nothing to combine
