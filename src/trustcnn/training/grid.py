"""Learning-rate × λ grid search with model selection on the validation split."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass

from trustcnn.config import TrustConfig
from trustcnn.data import ImageSet
from trustcnn.models import SplitNet
from trustcnn.training.loop import TrainingDiverged
from trustcnn.training.transfer import EpochCallback, History, train_trust

log = logging.getLogger(__name__)


def grid_points(config: TrustConfig) -> list[TrustConfig]:
    """One config per (lr, λ) of ``config.grid`` (lr-major), or ``[config]`` without a grid."""
    if config.grid is None:
        return [config]
    return [config.model_copy(update={"lr": lr, "lam": lam, "grid": None}) for lr in config.grid.lr for lam in config.grid.lam]


def score(history: History, select_by: str) -> tuple[float, float]:
    """Larger is better: the selection metric of the last epoch, then lower validation CE
    to break ties (λ rescales the total loss, so raw losses don't compare across points)."""
    last = history[-1]
    primary = last[select_by] if select_by == "val_accuracy" else -last[select_by]
    return primary, -last["val_loss_ce"]


def point_label(config: TrustConfig) -> str:
    return f"lr={config.lr:g},lam={config.lam:g}"


@dataclass(frozen=True)
class VariantFit:
    """A trained variant: its model and history, the point kept, and that point's index in
    :func:`grid_points` (``None`` without a grid)."""

    model: SplitNet
    history: History
    chosen: TrustConfig
    selected: int | None


PointRun = Callable[[str, TrustConfig], AbstractContextManager[EpochCallback]]
"""Wraps one grid point's training (e.g. a nested MLflow run) and yields its epoch callback."""


@contextmanager
def _untracked(label: str, point: TrustConfig) -> Iterator[EpochCallback]:
    yield None


def fit_variant(
    start: SplitNet,
    train: ImageSet,
    val: ImageSet,
    config: TrustConfig,
    name: str,
    *,
    on_epoch: EpochCallback = None,
    point_run: PointRun = _untracked,
) -> VariantFit:
    """Train the variant once (``on_epoch`` sees its epochs), or once per point of its grid
    inside ``point_run(label, point)``, keeping the point with the best :func:`score` on the
    validation split. A grid point whose training diverges is skipped (its run ends FAILED);
    the variant fails only when every point does."""
    if config.grid is None:
        model, history = train_trust(start, train, val, config, name, on_epoch)
        return VariantFit(model, history, config, None)
    best: tuple[tuple[float, float], VariantFit] | None = None
    points = grid_points(config)
    for index, point in enumerate(points):
        label = f"{name}[{point_label(point)}]"
        log.info("%s: grid point %d/%d, lr %g, lam %g", name, index + 1, len(points), point.lr, point.lam)
        try:
            with point_run(label, point) as point_epoch:
                model, history = train_trust(start, train, val, point, label, point_epoch)
        except FloatingPointError as error:
            log.warning("%s: skipped: %s", label, error)
            continue
        log.info(
            "%s: grid point %d/%d (lr %g, lam %g): %s = %.4f",
            name,
            index + 1,
            len(points),
            point.lr,
            point.lam,
            config.grid.select_by,
            history[-1][config.grid.select_by],
        )
        candidate = score(history, config.grid.select_by)
        if best is None or candidate > best[0]:
            best = (candidate, VariantFit(model, history, point, index))
    if best is None:
        raise TrainingDiverged(
            f"{name}: training diverged at every grid point {[point_label(p) for p in points]}: lower {name}.trust.grid.lr "
            "or the loss weights"
        )
    log.info(
        "%s: chose lr %g, lam %g (grid point %d/%d) by %s",
        name,
        best[1].chosen.lr,
        best[1].chosen.lam,
        (best[1].selected or 0) + 1,
        len(points),
        config.grid.select_by,
    )
    return best[1]
