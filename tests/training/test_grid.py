"""Grid points and model selection on the validation split."""

import pytest

from trustcnn.config import GridConfig, TrustConfig
from trustcnn.training import grid_points, point_label, score


def test_grid_points_cover_lr_times_lambda_and_drop_the_grid() -> None:
    config = TrustConfig(grid=GridConfig(lr=[0.1, 0.01], lam=[0.25, 0.5, 0.75]))
    points = grid_points(config)
    assert [(p.lr, p.lam) for p in points] == [(lr, lam) for lr in (0.1, 0.01) for lam in (0.25, 0.5, 0.75)]
    assert all(p.grid is None and p.epochs == config.epochs for p in points)
    assert point_label(points[0]) == "lr=0.1,lam=0.25"


def test_no_grid_is_the_config_itself() -> None:
    config = TrustConfig(lr=0.3)
    assert grid_points(config) == [config]


def test_score_prefers_accuracy_then_lower_cross_entropy() -> None:
    a = [{"val_accuracy": 0.9, "val_loss_ce": 0.5}]
    b = [{"val_accuracy": 0.9, "val_loss_ce": 0.3}]
    c = [{"val_accuracy": 0.8, "val_loss_ce": 0.1}]
    assert max([a, b, c], key=lambda h: score(h, "val_accuracy")) is b
    assert max([a, b, c], key=lambda h: score(h, "val_loss_ce")) is c


@pytest.mark.parametrize("grid", [{"lr": [], "lam": [0.5]}, {"lr": [0.1], "lam": [1.5]}, {"lr": [-1], "lam": [0.5]}])
def test_bad_grids_are_refused(grid: dict) -> None:
    with pytest.raises(ValueError, match="grid"):
        TrustConfig(grid=grid)
