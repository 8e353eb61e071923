"""Learning-rate × λ grid search with model selection on the validation split."""

from __future__ import annotations

from trustcnn.config import TrustConfig

History = list[dict[str, float]]


def grid_points(config: TrustConfig) -> list[TrustConfig]:
    """One config per (lr, λ) of ``config.grid`` (lr-major), or ``[config]`` without a grid."""
    if config.grid is None:
        return [config]
    return [
        config.model_copy(update={"lr": lr, "lam": lam, "grid": None})
        for lr in config.grid.lr
        for lam in config.grid.lam
    ]


def score(history: History, select_by: str) -> tuple[float, float]:
    """Larger is better: the selection metric of the last epoch, then lower validation CE
    to break ties (λ rescales the total loss, so raw losses don't compare across points)."""
    last = history[-1]
    primary = last[select_by] if select_by == "val_accuracy" else -last[select_by]
    return primary, -last["val_loss_ce"]


def point_label(config: TrustConfig) -> str:
    return f"lr={config.lr:g},lam={config.lam:g}"
