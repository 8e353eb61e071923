"""Training curves and figures in MLflow: epochs written in few transactions but all of them,
the first at once; a figure drawn once, the same PNG in the run as in ``data/``."""

from pathlib import Path

import matplotlib
import mlflow
import pytest
from matplotlib.figure import Figure

from trustcnn.plotting import png
from trustcnn.storage import FigureDataset
from trustcnn.tracking import model_run
from trustcnn.tracking import runs as tracking_runs
from trustcnn.tracking.runs import log_epoch, log_figure_to

matplotlib.use("Agg")


@pytest.fixture
def store(tmp_path: Path):
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    yield mlflow.MlflowClient()
    mlflow.set_tracking_uri(None)


def test_every_epoch_reaches_the_run_the_first_at_once_the_rest_by_its_end(store, monkeypatch) -> None:
    monkeypatch.setattr(tracking_runs, "FLUSH_S", 3600.0)  # nothing after the first until the run ends
    with model_run("baseline") as run:
        log_epoch({"epoch": 1, "loss": 0.9, "val_accuracy": 0.5})
        assert [m.step for m in store.get_metric_history(run.info.run_id, "training/loss")] == [1]  # live
        for epoch in range(2, 6):
            log_epoch({"epoch": epoch, "loss": 1.0 / epoch, "val_accuracy": 0.5 + epoch / 20})
        assert len(store.get_metric_history(run.info.run_id, "training/loss")) == 1  # held back
    history = sorted(store.get_metric_history(run.info.run_id, "training/val_accuracy"), key=lambda m: m.step)
    assert [m.step for m in history] == [1, 2, 3, 4, 5]
    assert [m.value for m in history] == pytest.approx([0.5] + [0.5 + e / 20 for e in range(2, 6)])


def test_epochs_are_written_even_when_training_fails(store) -> None:
    with pytest.raises(ValueError), model_run("baseline") as run:
        log_epoch({"epoch": 1, "loss": 0.9})
        log_epoch({"epoch": 2, "loss": 0.8})
        raise ValueError("diverged")
    assert sorted(m.step for m in store.get_metric_history(run.info.run_id, "training/loss")) == [1, 2]


def _figure() -> Figure:
    figure = Figure(figsize=(2, 2))
    axes = figure.add_subplot()
    axes.plot([0, 1, 2], [2, 0, 1])
    axes.set_title("curves")
    return figure


def test_a_figure_is_drawn_once_for_the_catalog_and_the_run(store, tmp_path: Path, monkeypatch) -> None:
    figure, draws = _figure(), []
    savefig = Figure.savefig
    monkeypatch.setattr(Figure, "savefig", lambda self, *a, **k: (draws.append(k.get("dpi")), savefig(self, *a, **k))[1])
    with model_run("baseline") as run:
        log_figure_to(run.info.run_id, figure, "figures/curves.png")
    FigureDataset(str(tmp_path / "curves.png")).save(figure)
    assert draws == [png.DPI]
    logged = Path(mlflow.artifacts.download_artifacts(run_id=run.info.run_id, artifact_path="figures/curves.png"))
    assert logged.read_bytes() == (tmp_path / "curves.png").read_bytes()


def test_the_png_is_what_savefig_writes(tmp_path: Path) -> None:
    figure = _figure()
    figure.savefig(tmp_path / "direct.png", format="png", dpi=png.DPI, bbox_inches="tight")
    assert png.png_bytes(_figure()) == (tmp_path / "direct.png").read_bytes()
    assert png.png_bytes(figure, dpi=50) != png.png_bytes(figure)  # a dpi is its own drawing
