"""``run_epoch`` and ``fit``: small, separate, readable (after torchvision's references)."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Protocol

import torch
from torch import Tensor, nn
from tqdm.auto import tqdm

from trustcnn.batches import SplitData, TensorSet, batches, distributed
from trustcnn.config import AmpDtype, OptimConfig
from trustcnn.models import SplitNet
from trustcnn.runtime.errors import UserError
from trustcnn.training.feature_cache import shared_features

log = logging.getLogger(__name__)


class Objective(Protocol):
    def __call__(self, net: nn.Module, cam_layer: nn.Module, batch: TensorSet, train: bool) -> tuple[Tensor, Tensor, dict[str, Tensor]]: ...


def make_optimizer(params: list[nn.Parameter], config: OptimConfig) -> torch.optim.Optimizer:
    """SGD with momentum (the paper's) or Adam (the end-to-end RRR setting of Ross et al.)."""
    if config.optimizer == "adam":
        return torch.optim.Adam(params, lr=config.lr, weight_decay=config.weight_decay)
    return torch.optim.SGD(params, lr=config.lr, momentum=config.momentum, weight_decay=config.weight_decay)


def run_epoch(
    net: nn.Module,
    cam_layer: nn.Module,
    data: SplitData,
    objective: Objective,
    batch_size: int,
    optimizer: torch.optim.Optimizer | None = None,
    generator: torch.Generator | None = None,
    amp: AmpDtype | None = None,
    workers: int = 0,
) -> dict[str, float]:
    """One pass over ``data``; trains when an optimizer is given. Returns mean loss,
    accuracy and every objective term (weighted by batch size).

    ``amp`` runs the forward passes under autocast in that dtype (``float16`` with a
    gradient scaler; ``bfloat16`` needs none). The logged values stay on the device until
    the end of the epoch — one host sync per epoch, not one per term and batch — and a
    non-finite loss or term then stops the run naming its first batch.

    Under torch.distributed each rank takes its share of every global batch (``net`` is then
    the ``DistributedDataParallel`` wrapper when training) and the returned values are the
    whole split's."""
    device = next(net.parameters()).device
    dtype = None if amp is None else getattr(torch, amp)
    scaler = torch.amp.GradScaler(device.type, enabled=dtype == torch.float16)
    train = optimizer is not None
    net.train(train)
    rows: list[Tensor] = []
    names: list[str] = []
    correct = torch.zeros((), dtype=torch.long, device=device)
    for index, batch in enumerate(batches(data, batch_size, generator, workers=workers)):
        batch = batch.to(device)
        # Gradients stay on in evaluation too: the saliency terms need ∂z/∂A.
        with torch.enable_grad(), torch.autocast(device.type, dtype=dtype, enabled=dtype is not None):
            loss, logits, terms = objective(net, cam_layer, batch, train)
        if optimizer is not None:  # train
            optimizer.zero_grad(set_to_none=True)
            share = (
                loss * distributed.gradient_share(len(batch), min(batch_size, len(data) - index * batch_size))
                if distributed.active()
                else loss
            )
            scaler.scale(share).backward()
            scaler.step(optimizer)
            scaler.update()
        names = ["loss", *terms]
        values = [loss.detach(), *(torch.as_tensor(terms[k]).detach() for k in names[1:])]
        rows.append(
            torch.stack([v.to(device=device, dtype=torch.float32) for v in values] + [torch.tensor(float(len(batch)), device=device)])
        )
        correct += (logits.argmax(1) == batch.y).sum()
    table = _over_ranks(torch.stack(rows)) if distributed.active() else torch.stack(rows)
    return _epoch_means(table.tolist(), names, int(distributed.sum_over_ranks(correct)), len(data))


class TrainingDiverged(UserError, FloatingPointError):
    """A loss or loss term became NaN or infinite: the learning rate or the loss weights are
    too large (a grid search skips such a point)."""


def _over_ranks(rows: Tensor) -> Tensor:
    """Per-batch rows (means, then the batch size) of the whole global batches."""
    weighted = distributed.sum_over_ranks(torch.cat([rows[:, :-1] * rows[:, -1:], rows[:, -1:]], dim=1))
    return torch.cat([weighted[:, :-1] / weighted[:, -1:], weighted[:, -1:]], dim=1)


def _epoch_means(rows: list[list[float]], names: list[str], correct: int, total: int) -> dict[str, float]:
    """Batch-size-weighted means of the logged values (last column: the batch size)."""
    sums = dict.fromkeys(names, 0.0)
    for index, row in enumerate(rows):
        broken = {name: value for name, value in zip(names, row) if not math.isfinite(value)}
        if broken:
            raise FloatingPointError(f"batch {index + 1}: non-finite {', '.join(f'{k} = {v}' for k, v in broken.items())}")
        for name, value in zip(names, row):
            sums[name] += value * row[-1]
    return {"accuracy": correct / total, **{k: v / total for k, v in sums.items()}}


def fit(
    model: SplitNet,
    train: SplitData,
    val: SplitData,
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
    (``train_*`` and ``val_*`` keys). Under torch.distributed the trained part runs in
    ``DistributedDataParallel`` and only rank 0 reports (``on_epoch``, the progress bar).
    """
    params = model.trainable_parameters()
    if not params:
        raise ValueError(f"{desc}: the model has no trainable parameters")
    torch.manual_seed(config.seed)
    generator = torch.Generator().manual_seed(config.seed)
    optimizer = make_optimizer(params, config)
    net: nn.Module = model
    if use_cache and not model.prefix_trains:
        budget, workers = config.memory_budget_mb, config.workers
        train = shared_features(model, train, memory_budget_mb=budget, workers=workers)
        val = shared_features(model, val, memory_budget_mb=budget, workers=workers)
        net = model.suffix
    trained = distributed.wrap(net)
    history: list[dict[str, float]] = []
    main = distributed.is_main()
    bar = tqdm(range(1, config.epochs + 1), desc=desc, unit="epoch", dynamic_ncols=True, disable=not main)
    for epoch in bar:
        row: dict[str, float] = {"epoch": epoch}
        try:
            row |= {
                f"train_{k}": v
                for k, v in run_epoch(
                    trained, model.cam_layer, train, objective, config.batch_size, optimizer, generator, config.amp_dtype, config.workers
                ).items()
            }
            row |= {
                f"val_{k}": v
                for k, v in run_epoch(
                    net, model.cam_layer, val, objective, config.batch_size, amp=config.amp_dtype, workers=config.workers
                ).items()
            }
        except FloatingPointError as error:
            raise TrainingDiverged(
                f"{desc}: training diverged in epoch {epoch}, {error}; nothing was saved or registered. "
                f"Lower the learning rate (lr = {config.lr}) or the loss weights."
            ) from error
        history.append(row)
        bar.set_postfix(loss=f"{row['train_loss']:.3f}", val_acc=f"{row['val_accuracy']:.3f}")
        if main:
            log.info(
                "%s epoch %d/%d: train loss %.4f acc %.3f | val loss %.4f acc %.3f",
                desc,
                epoch,
                config.epochs,
                row["train_loss"],
                row["train_accuracy"],
                row["val_loss"],
                row["val_accuracy"],
            )
        if on_epoch is not None and main:
            on_epoch(row)
    model.eval()
    return history
