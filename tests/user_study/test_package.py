"""The sample: seeded, stratified over the models' cases, blinded, the key kept apart."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from trustcnn.user_study.package import build_package, compared_models, write_package
from trustcnn.user_study.questions import read_manifest
from trustcnn.user_study.sample import case_codes, joint_strata, stratified_sample

from .conftest import MODELS, synthetic


def test_stratified_sample_keeps_the_proportions_and_the_seed() -> None:
    strata = np.repeat([0, 1, 2], [60, 30, 10])
    chosen = stratified_sample(strata, 20, seed=3)
    assert len(set(chosen.tolist())) == 20
    assert np.bincount(strata[chosen]).tolist() == [12, 6, 2]
    np.testing.assert_array_equal(chosen, stratified_sample(strata, 20, seed=3))
    assert not np.array_equal(chosen, stratified_sample(strata, 20, seed=4))
    np.testing.assert_array_equal(stratified_sample(strata[:5], 20, seed=0), np.arange(5))
    with pytest.raises(ValueError, match="n_images"):
        stratified_sample(strata, 0, seed=0)


def test_joint_strata_tell_every_combination_of_cases_apart() -> None:
    a = case_codes(np.array([True, True, False, False]), np.array([True, False, True, False]))
    assert a.tolist() == [0, 1, 2, 3]
    strata = joint_strata({"x": a, "y": a[::-1]})
    assert len(set(strata.tolist())) == 4


def test_package_is_blinded_and_the_key_unblinds_it(package, tmp_path: Path) -> None:
    served = json.dumps(package.manifest) + " ".join(package.files)
    assert not any(model in served for model in MODELS)
    items = package.manifest["items"]
    assert len(items) == 10 and len({i["item_id"] for i in items}) == 10
    orders = {tuple(package.key["items"][i["item_id"]]["options"][o["option_id"]] for o in i["options"]) for i in items}
    assert len(orders) == 2, "the maps' order is shuffled per image"
    for item in items:
        files = [item["input"], *(o["image"] for o in item["options"])]
        assert all(package.files[f][:8] == b"\x89PNG\r\n\x1a\n" for f in files)
        assert set(package.key["items"][item["item_id"]]["options"].values()) == set(MODELS)
    write_package(package, tmp_path / "package")
    assert read_manifest(tmp_path / "package") == package.manifest
    assert not (tmp_path / "package" / "key.json").exists()


def test_same_inputs_same_package_and_study_id() -> None:
    args = synthetic()
    first = build_package(*args, n_images=10, seed=0, image_px=64, method="gradcam")
    again = build_package(*args, n_images=10, seed=0, image_px=64, method="gradcam")
    other = build_package(*args, n_images=10, seed=1, image_px=64, method="gradcam")
    assert first.manifest == again.manifest and first.files == again.files
    assert other.manifest["study_id"] != first.manifest["study_id"]


def test_compared_models_resolve_the_champion() -> None:
    assert compared_models(["baseline", "champion"], "rrr", ["baseline", "rrr"]) == ["baseline", "rrr"]
    assert compared_models(["baseline", "champion"], "baseline", ["baseline"]) == ["baseline"]
    with pytest.raises(ValueError, match="user_study.models"):
        compared_models(["nope"], "rrr", ["baseline", "rrr"])


def test_rewriting_a_package_replaces_it_whole(package, tmp_path: Path) -> None:
    folder = tmp_path / "package"
    write_package(package, folder)
    (folder / "images" / "stale.png").write_bytes(b"old")
    write_package(package, folder)
    assert not (folder / "images" / "stale.png").exists()
    assert not list(tmp_path.glob(".package*")), "no staging folder left behind"
