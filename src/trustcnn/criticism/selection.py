"""Prototypes and criticisms per class, with a "local" or a "global" kernel.

- ``local`` (the reference implementation's default): a kernel per class, on that class's
  points only (the block-diagonal kernel of ``calculate_kernel_individual``), γ by the median
  heuristic on the class's own points; each class gets ``n_prototypes`` and ``n_criticisms``
  (fewer where it has fewer points), chosen by the greedy steps on its block.
- ``global``: one kernel over every point, γ by the median heuristic on all of them, and
  ``n_prototypes × K`` prototypes and ``n_criticisms × K`` criticisms chosen jointly (as the
  reference does with ``ktype=0``); each class then has the ones that carry its label, so
  the counts differ between classes.

A class's kernel is built by blocks (:class:`~trustcnn.criticism.mmd_critic.RBFKernel`), so a
70,000-point class costs O(n) memory plus one block of at most half of ``memory_budget_mb``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch

from trustcnn.criticism.mmd_critic import RBFKernel, Regularizer, median_gamma, select_criticisms, select_prototypes, witness

KernelKind = Literal["local", "global"]


@dataclass(frozen=True)
class ClassSelection:
    """One class's selection: row indices into the features (in the order chosen), each
    criticism's signed witness, and the kernel's γ."""

    prototypes: np.ndarray
    criticisms: np.ndarray
    witness: np.ndarray
    gamma: float


def _select(
    features: torch.Tensor, m: int, c: int, gamma: float | None, regularizer: Regularizer, memory_budget_mb: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    gamma = median_gamma(features) if gamma is None else gamma
    kernel = RBFKernel(features, gamma, memory_budget_mb)
    prototypes = select_prototypes(kernel, min(m, kernel.n))
    criticisms = select_criticisms(kernel, prototypes, min(c, kernel.n - len(prototypes)), regularizer)
    signed = witness(kernel, prototypes)[criticisms.to(kernel.device)] if len(prototypes) else torch.zeros(len(criticisms))
    return prototypes.numpy(), criticisms.numpy(), signed.cpu().numpy(), gamma


def select_per_class(
    features: np.ndarray | torch.Tensor,
    labels: np.ndarray,
    n_prototypes: int,
    n_criticisms: int,
    *,
    kernel: KernelKind = "local",
    gamma: float | None = None,
    regularizer: Regularizer = "logdet",
    memory_budget_mb: float = 256,
    device: torch.device | str | None = None,
) -> dict[int, ClassSelection]:
    """``{class: ClassSelection}`` for every class in ``labels`` (sorted); indices are rows
    of ``features`` (``[n, d]``). ``gamma=None``: :func:`~trustcnn.criticism.mmd_critic.median_gamma`
    (per class for the local kernel)."""
    labels = np.asarray(labels)
    if len(features) != len(labels):
        raise ValueError(f"{len(features)} feature rows for {len(labels)} labels")
    if n_prototypes < 1 or n_criticisms < 0:
        raise ValueError(f"need n_prototypes >= 1 and n_criticisms >= 0, got {n_prototypes} and {n_criticisms}")
    if kernel not in ("local", "global"):
        raise ValueError(f"kernel must be 'local' or 'global', got {kernel!r}")
    x = torch.as_tensor(np.asarray(features) if not isinstance(features, torch.Tensor) else features)
    x = x.to(device or x.device)
    classes = np.unique(labels)
    if kernel == "local":
        selections = {}
        for k in classes:
            rows = np.flatnonzero(labels == k)
            members = x[torch.as_tensor(rows, device=x.device)]
            protos, crits, signed, g = _select(members, n_prototypes, n_criticisms, gamma, regularizer, memory_budget_mb)
            selections[int(k)] = ClassSelection(rows[protos], rows[crits], signed, g)
        return selections
    protos, crits, signed, g = _select(x, n_prototypes * len(classes), n_criticisms * len(classes), gamma, regularizer, memory_budget_mb)
    return {int(k): ClassSelection(protos[labels[protos] == k], crits[labels[crits] == k], signed[labels[crits] == k], g) for k in classes}
