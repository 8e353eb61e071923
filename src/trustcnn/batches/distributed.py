"""Several processes (``torchrun``), one code path.

When ``torchrun`` started the process (``WORLD_SIZE`` > 1 in the environment),
:func:`init_from_env` joins the process group (NCCL on CUDA, else gloo); every other
function here is then what the training loop, the feature cache and post-hoc saliency use to
shard their batches and combine the results. Without a process group each one is the
identity, so a single process runs exactly the code it always ran.
"""

from __future__ import annotations

import os

import torch
import torch.distributed as dist
from torch import Tensor, nn


def active() -> bool:
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def rank_and_world() -> tuple[int, int]:
    return (dist.get_rank(), dist.get_world_size()) if active() else (0, 1)


def is_main() -> bool:
    """Rank 0, or the only process: the one that writes outputs and logs to MLflow."""
    return rank_and_world()[0] == 0


def init_from_env() -> bool:
    """Join the process group ``torchrun``'s environment describes; False when there is none."""
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1 or active():
        return active()
    if torch.cuda.is_available():
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    return True


def finish() -> None:
    """Leave the process group :func:`init_from_env` joined, if any."""
    if active():
        dist.destroy_process_group()


def device() -> torch.device:
    """This process's device: its own GPU (``LOCAL_RANK``) under torchrun, else the first one."""
    if not torch.cuda.is_available():
        return torch.device("cpu")
    return torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")) if active() else 0)


def wrap(net: nn.Module) -> nn.Module:
    """``net`` in ``DistributedDataParallel`` (gradients averaged over the ranks), or itself.
    Buffers are not broadcast: BatchNorm in train mode would use each rank's own batch
    statistics, so a train-mode BatchNorm can't match a single process anyway."""
    if not active():
        return net
    ids = [net_device.index] if (net_device := next(net.parameters()).device).type == "cuda" else None
    return nn.parallel.DistributedDataParallel(net, device_ids=ids, forward_sync_buffers=False)


def gradient_share(local: int, global_batch: int) -> float:
    """What a rank's mean loss is multiplied by so that DDP's average of the ranks'
    gradients is the gradient of the global batch's mean loss (``local / global_batch``
    of it, times the world size DDP divides by); 1 in a single process."""
    return local * rank_and_world()[1] / global_batch if active() else 1.0


def sum_over_ranks(tensor: Tensor) -> Tensor:
    if active():
        dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
    return tensor


def owned(batch_index: int) -> bool:
    """Whether this rank computes batch ``batch_index`` of a pass sharded batch by batch
    (round robin), where each batch is computed whole by one rank."""
    rank, world = rank_and_world()
    return batch_index % world == rank


def share(chunk: Tensor | None, batch_index: int, on: torch.device) -> Tensor:
    """Batch ``batch_index``'s result on every rank: ``chunk`` from the rank that
    :func:`owned` it (``None`` elsewhere), sent to the others on device ``on``."""
    if not active():
        assert chunk is not None, "in a single process every batch is owned"
        return chunk
    source = batch_index % rank_and_world()[1]
    header: list[tuple[tuple[int, ...], torch.dtype] | None] = [None if chunk is None else (tuple(chunk.shape), chunk.dtype)]
    dist.broadcast_object_list(header, src=source)
    sent = header[0]
    assert sent is not None  # the owning rank sent its chunk's shape and dtype
    shape, dtype = sent
    buffer = chunk.contiguous().to(on) if chunk is not None else torch.empty(shape, dtype=dtype, device=on)
    dist.broadcast(buffer, src=source)
    return buffer


def default_device() -> torch.device:
    """The GPU when there is one (this rank's own under torchrun), else the CPU."""
    return device()
