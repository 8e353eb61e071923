"""The smoke run's human masks: nobody marks there, so the smoke env's simulated annotator
stands in (exact marks of the decoy on 20 training images), the report says so, and every
variant on human masks trains on exactly those masks and is registered."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from mlflow.tracking import MlflowClient

from trustcnn.data.simulated_marks import budget_sample

from .conftest import SMOKE_DATA, SMOKE_EXPERIMENT

HUMAN = ("rrr_human", "rrr_gradcam_human", "trust_mask_human")
PENALTY = {"rrr_human": "penalty_rrr", "rrr_gradcam_human": "penalty_rrr_gradcam", "trust_mask_human": "loss_mask"}


def test_the_simulated_annotator_stands_in_and_says_so(smoke_run: Path) -> None:
    reporting = smoke_run / SMOKE_DATA / "08_reporting/human_masks"
    report = json.loads((reporting / "report.json").read_text())
    assert report["source"].startswith("simulated annotator (exact marks of what to avoid") and "not people's marks" in report["source"]
    assert (report["images_marked"], report["participants"], report["agreement"]) == (20, 1, {})
    assert "simulated annotator" in (reporting / "report.md").read_text()

    train = np.load(smoke_run / SMOKE_DATA / "03_primary/train.npz")
    human = np.load(smoke_run / SMOKE_DATA / "05_model_input/human_masks.npz")
    chosen = budget_sample(len(train["labels"]), 20, seed=0)
    assert np.flatnonzero(human["has_mask"]).tolist() == chosen.tolist()
    np.testing.assert_array_equal(human["masks"][chosen], ~train["decoy_masks"][chosen])  # all but the decoy may be used
    assert not human["masks"][~human["has_mask"]].any()


def test_every_variant_on_human_masks_trains_on_them_and_is_registered(smoke_run: Path) -> None:
    client = MlflowClient(tracking_uri=f"sqlite:///{smoke_run / 'mlflow.db'}")
    for name in HUMAN:
        history = json.loads((smoke_run / SMOKE_DATA / f"08_reporting/{name}/history.json").read_text())
        assert history[-1][f"train_{PENALTY[name]}"] > 0, name  # the 20 marked images
        assert history[-1][f"val_{PENALTY[name]}"] == 0.0, name  # nobody marks the validation split
        (version,) = client.search_model_versions(f"name = '{SMOKE_EXPERIMENT}-{name}'")
        params = client.get_run(version.run_id).data.params
        assert (params["optim.masks"], params["human_masks.marked"]) == ("human", "20"), name
