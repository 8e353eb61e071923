"""``run_epoch`` and ``fit``: small, separate, readable (after torchvision's references)."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Protocol

import torch
from torch import Tensor, nn
from tqdm.auto import tqdm

from trustcnn.config import OptimConfig
from trustcnn.models import SplitNet
from trustcnn.training.features import cache_features
from trustcnn.training.tensors import TensorSet

log = logging.getLogger(__name__)


class Objective(Protocol):
    def __call__(
        self, net: nn.Module, cam_layer: nn.Module, batch: TensorSet, train: bool
    ) -> tuple[Tensor, Tensor, dict[str, Tensor]]: ...


def default_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def make_optimizer(params: list[nn.Parameter], config: OptimConfig) -> torch.optim.Optimizer:
    """SGD with momentum (the paper's) or Adam (the end-to-end RRR setting of Ross et al.)."""
    if config.optimizer == "adam":
        return torch.optim.Adam(params, lr=config.lr, weight_decay=config.weight_decay)
    return torch.optim.SGD(params, lr=config.lr, momentum=config.momentum, weight_decay=config.weight_decay)


def run_epoch(
    net: nn.Module,
    cam_layer: nn.Module,
    data: TensorSet,
    objective: Objective,
    batch_size: int,
    optimizer: torch.optim.Optimizer | None = None,
    generator: torch.Generator | None = None,
    amp: bool = False,
) -> dict[str, float]:
    """One pass over ``data``; trains when an optimizer is given. Returns mean loss,
    accuracy and every objective term (weighted by batch size). ``amp`` runs the forward
    passes under CUDA autocast (float16) with a gradient scaler; on the CPU it does nothing."""
    device = next(net.parameters()).device
    amp = amp and device.type == "cuda"
    scaler = torch.amp.GradScaler("cuda", enabled=amp)
    train = optimizer is not None
    net.train(train)
    sums: dict[str, float] = {}
    correct = 0
    for index, batch in enumerate(data.batches(batch_size, generator)):
        batch = TensorSet(batch.x.to(device), batch.y.to(device), None if batch.masks is None else batch.masks.to(device))
        # Gradients stay on in evaluation too: the saliency terms need ∂z/∂A.
        with torch.enable_grad(), torch.autocast(device.type, enabled=amp):
            loss, logits, terms = objective(net, cam_layer, batch, train)
        values = {"loss": float(loss.detach()), **{name: float(value) for name, value in terms.items()}}
        broken = {name: value for name, value in values.items() if not math.isfinite(value)}
        if broken:
            raise FloatingPointError(f"batch {index + 1}: non-finite {', '.join(f'{k} = {v}' for k, v in broken.items())}")
        if train:
            optimizer.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
        n = len(batch)
        correct += int((logits.argmax(1) == batch.y).sum())
        for name, value in values.items():
            sums[name] = sums.get(name, 0.0) + value * n
    total = len(data)
    return {"accuracy": correct / total, **{k: v / total for k, v in sums.items()}}


def fit(
    model: SplitNet,
    train: TensorSet,
    val: TensorSet,
    objective: Objective,
    config: OptimConfig,
    *,
    use_cache: bool,
    desc: str,
    on_epoch: Callable[[dict[str, float]], None] | None = None,
) -> list[dict[str, float]]:
    """Train ``model``'s trainable parameters with ``config.optimizer`` for ``config.epochs``.

    With ``use_cache`` (and a frozen prefix: a backbone that trains can't be cached) the
    prefix runs once per image and each epoch trains the suffix on cached features — the
    same modules, so the same numbers within float tolerance. Returns one dict per epoch
    (``train_*`` and ``val_*`` keys).
    """
    params = model.trainable_parameters()
    if not params:
        raise ValueError(f"{desc}: the model has no trainable parameters")
    torch.manual_seed(config.seed)
    generator = torch.Generator().manual_seed(config.seed)
    optimizer = make_optimizer(params, config)
    net: nn.Module = model
    if use_cache and not model.prefix_trains:
        train, val = cache_features(model, train), cache_features(model, val)
        net = model.suffix
    history: list[dict[str, float]] = []
    bar = tqdm(range(1, config.epochs + 1), desc=desc, unit="epoch", dynamic_ncols=True)
    for epoch in bar:
        row: dict[str, float] = {"epoch": epoch}
        try:
            row |= {f"train_{k}": v for k, v in run_epoch(net, model.cam_layer, train, objective, config.batch_size, optimizer, generator, config.amp).items()}
            row |= {f"val_{k}": v for k, v in run_epoch(net, model.cam_layer, val, objective, config.batch_size, amp=config.amp).items()}
        except FloatingPointError as error:
            raise FloatingPointError(
                f"{desc}: training diverged in epoch {epoch}, {error}; nothing was saved or registered. "
                f"Lower the learning rate (lr = {config.lr}) or the loss weights."
            ) from error
        history.append(row)
        bar.set_postfix(loss=f"{row['train_loss']:.3f}", val_acc=f"{row['val_accuracy']:.3f}")
        log.info(
            "%s epoch %d/%d: train loss %.4f acc %.3f | val loss %.4f acc %.3f", desc, epoch, config.epochs,
            row["train_loss"], row["train_accuracy"], row["val_loss"], row["val_accuracy"],
        )
        if on_epoch is not None:
            on_epoch(row)
    model.eval()
    return history
