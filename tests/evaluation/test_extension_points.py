"""Adding a per-image score is one function plus one registration: here a toy score (each map's
mean), registered from the test itself, reaching metrics.json's rows, the printed summary, the
headline numbers (``dvc metrics show``) and the metrics MLflow records."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import mlflow
import numpy as np
import pytest

from trustcnn.data import ImageSet
from trustcnn.evaluation import REFERENCE, SCORES, PerImageScore, compare_models, headline, register, summary_table, table1
from trustcnn.evaluation.per_image import Inputs
from trustcnn.tracking import model_run
from trustcnn.tracking.reports import log_comparison


def map_mass(inputs: Inputs) -> np.ndarray:
    """The toy score's function: each map's mean value."""
    return inputs.maps.mean(axis=(1, 2))


@pytest.fixture
def toy_score() -> Iterator[str]:
    register(PerImageScore("map_mass", map_mass, column="map mass", headline="mass", table1=True))  # the one registration
    yield "map_mass"
    del SCORES["map_mass"]


def _compared() -> dict:
    rng = np.random.default_rng(0)
    n = 20
    masks = np.zeros((n, 8, 8), bool)
    masks[:, 2:6, 2:6] = True
    test = ImageSet(rng.integers(0, 256, (n, 8, 8, 3), dtype=np.uint8), np.arange(n) % 2, ("a", "b"), masks)
    maps = {name: {"gradcam": rng.random((n, 4, 4)).astype(np.float32)} for name in (REFERENCE, "toy")}
    predictions = {name: {"predictions": rng.integers(0, 2, n)} for name in maps}
    report, scores = compare_models(test, maps, predictions, n_resamples=50)
    assert set(scores["toy"]) >= {"correct", "gradcam.energy_in_mask", "accurate"} | ({"map_mass"} & set(SCORES))
    return report


def test_a_registered_score_reaches_metrics_tables_headline_and_mlflow(toy_score: str, tmp_path: Path) -> None:
    report = _compared()
    row = report["models"]["toy"]
    assert list(row)[-1] == "by_method" and "map_mass" in row and 0 < row["map_mass"]["value"] < 1
    assert "map mass" in summary_table(report).splitlines()[2]
    assert "map_mass" in table1(report, ["gradcam"])["models"]["toy"]
    numbers = headline(report)
    assert numbers["toy"]["mass"] == round(row["map_mass"]["value"], 4)

    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    try:
        runs = {}
        for name in report["models"]:
            with model_run(name) as run:
                runs[name] = {"run_id": run.info.run_id}
        with mlflow.start_run(run_name="evaluation") as evaluation:
            log_comparison(report, {}, {}, np.zeros((8, 8, 3), np.uint8), runs, numbers, REFERENCE)
        client = mlflow.MlflowClient()
        assert client.get_run(evaluation.info.run_id).data.metrics["toy.mass"] == numbers["toy"]["mass"]
        logged = client.get_run(runs["toy"]["run_id"]).data.metrics
        assert logged["test_map_mass"] == pytest.approx(row["map_mass"]["value"]) and "test_map_mass_ci_low" in logged
    finally:
        mlflow.set_tracking_uri(None)


def test_the_builtin_scores_keep_their_places() -> None:
    report = _compared()
    row = report["models"]["toy"]
    assert list(row)[3:] == [
        "ssim_vs_baseline",
        "energy_in_mask",
        "energy_pointing_game",
        "pointing_game",
        "iou",
        "case_shares",
        "by_method",
    ]
    assert summary_table(report).splitlines()[2].split("|")[2:-1] == [" accuracy         ", " energy in mask   ", " right & accurate "]
    assert list(headline(report)["toy"]) == [
        "accuracy",
        "acc_lo",
        "acc_hi",
        "decoy_drop",
        "gap_closed",
        "flip_rate",
        "decoy_driven_prototypes",
        "energy",
        "champion",
    ]
