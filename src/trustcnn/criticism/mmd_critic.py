"""MMD-critic (Kim, Khanna & Koyejo, NeurIPS 2016) in plain, batched torch, CPU or GPU.

*Prototypes* S are chosen greedily to maximise the MMD objective

    J(S) = 2/(n·m) · Σ_i Σ_{j∈S} k(x_i, x_j) − 1/m² · Σ_{i,j∈S} k(x_i, x_j),   m = |S|,

each step adding the candidate with the largest gain; *criticisms* are the other points with
the largest witness |1/n · Σ_i k(x_i, c) − 1/m · Σ_{j∈S} k(x_j, c)|, optionally plus the
log-determinant term that keeps them diverse. Both follow the reference implementation
(BeenKim/MMD-critic, ``mmd.py``: ``greedy_select_protos`` and ``select_criticism_regularized``
with ``reg='logdet'``) step for step, so they select what it selects on the same kernel matrix:

- a prototype step scores candidate c by ``2/n·Σ_i K_ic − (2·Σ_{j∈S} K_jc + K_cc)/(|S|+1)``,
  which is (|S|+1)·J(S ∪ {c}) less a term that does not depend on c: the best single addition;
- a criticism step scores c by its witness plus ``log|K_cc − k_cᵀ K_CC⁻¹ k_c|`` over the
  criticisms C chosen so far (the log of the Schur complement: log det K_{C∪c} − log det K_C);
  the reference's first step subtracts ``log|K_cc|`` instead, which is 0 for the RBF kernel;
- ties go to the lowest index (``np.argmax`` over the sorted candidates, ``torch.argmax`` here).

The kernel matrix is never held whole: :class:`RBFKernel` computes its column sums a block of
rows at a time (a block at most ``memory_budget_mb``) and the few rows the greedy steps need
on demand, so the memory is O(n) plus one block however many points there are (and the one
pass over all of K is done once, for prototypes and criticisms both). Everything is
computed in float64, as the reference does in numpy.
"""

from __future__ import annotations

import math
from typing import Literal, Protocol

import torch
from torch import Tensor

Regularizer = Literal["logdet", "none"]
MEDIAN_POINTS = 1024
"""The median heuristic looks at the pairwise distances of at most this many points."""
DTYPE = torch.float64


class Kernel(Protocol):
    """What the greedy selections read of a kernel matrix ``K`` (``n × n``, symmetric)."""

    n: int
    device: torch.device

    def column_sums(self) -> Tensor:
        """``[n]``: ``Σ_i K_ic`` for every column c."""

    def rows(self, index: Tensor) -> Tensor:
        """``[len(index), n]``: the rows ``K[index]``."""

    def diagonal(self) -> Tensor:
        """``[n]``: ``K_cc``."""


class DenseKernel:
    """A kernel matrix given whole (e.g. to compare with another implementation on it)."""

    def __init__(self, matrix: Tensor) -> None:
        if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
            raise ValueError(f"a kernel matrix must be square, got shape {tuple(matrix.shape)}")
        self.matrix = matrix.to(DTYPE)
        self.n, self.device = matrix.shape[0], matrix.device

    def column_sums(self) -> Tensor:
        return self.matrix.sum(0)

    def rows(self, index: Tensor) -> Tensor:
        return self.matrix[index]

    def diagonal(self) -> Tensor:
        return self.matrix.diagonal()


class RBFKernel:
    """``k(x, y) = exp(−γ‖x − y‖²)`` on the rows of ``features`` (``[n, d]``), computed a
    block of rows at a time: a block of ``K`` is at most half of ``memory_budget_mb`` (the
    rest is for the features, their float64 copy and the sums)."""

    def __init__(self, features: Tensor, gamma: float, memory_budget_mb: float = 256) -> None:
        if features.ndim != 2 or len(features) == 0:
            raise ValueError(f"features must be a non-empty [n, d] matrix, got shape {tuple(features.shape)}")
        if not gamma > 0 or not math.isfinite(gamma):
            raise ValueError(f"the RBF kernel's gamma must be a positive number, got {gamma}")
        x = features.to(DTYPE)
        self.x = x - x.mean(0)  # distances don't change; ‖x‖² + ‖y‖² − 2x·y cancels less
        self.sq_norms = (self.x * self.x).sum(1)
        self.gamma, self.n, self.device = float(gamma), len(x), x.device
        self.block_rows = max(1, min(self.n, int(memory_budget_mb * 2**20 // (2 * DTYPE.itemsize * self.n))))
        self._column_sums: Tensor | None = None  # the one O(n²) pass, shared by prototypes and criticisms

    def rows(self, index: Tensor) -> Tensor:
        return self._block(self.x[index], self.sq_norms[index])

    def _block(self, rows: Tensor, row_norms: Tensor) -> Tensor:
        block = torch.addmm(self.sq_norms[None, :], rows, self.x.T, alpha=-2.0)  # one [b, n] buffer, then in place
        return block.add_(row_norms[:, None]).clamp_(min=0.0).mul_(-self.gamma).exp_()

    def column_sums(self) -> Tensor:
        if self._column_sums is None:
            sums = torch.zeros(self.n, dtype=DTYPE, device=self.device)
            for start in range(0, self.n, self.block_rows):
                stop = start + self.block_rows
                sums += self._block(self.x[start:stop], self.sq_norms[start:stop]).sum(0)
            self._column_sums = sums
        return self._column_sums

    def diagonal(self) -> Tensor:
        return torch.ones(self.n, dtype=DTYPE, device=self.device)


def median_gamma(features: Tensor, max_points: int = MEDIAN_POINTS, seed: int = 0) -> float:
    """The median heuristic: ``γ = 1 / median ‖x_i − x_j‖²`` over the pairs i < j of distinct
    points (of at most ``max_points`` rows, drawn with ``seed`` when there are more), so a
    typical pair has ``k = e⁻¹``. ``1.0`` when all points coincide (then any γ gives the same
    kernel)."""
    x = features.to(DTYPE)
    if len(x) > max_points:
        generator = torch.Generator().manual_seed(seed)
        x = x[torch.randperm(len(x), generator=generator)[:max_points].to(x.device)]
    upper = torch.pdist(x).square_()  # the n(n−1)/2 pairs i < j, each distance taken directly
    positive = upper[upper > 0]
    return 1.0 if len(positive) == 0 else 1.0 / float(torch.quantile(positive, 0.5))


def _best(score: Tensor, available: Tensor) -> int:
    """The available index of the highest score; the lowest such index on a tie (a score
    of −inf or NaN among them included, as ``np.argmax`` over the candidates does)."""
    candidates = available.nonzero().squeeze(1)
    return int(candidates[torch.argmax(score[candidates])])


def select_prototypes(kernel: Kernel, m: int) -> Tensor:
    """The ``m`` greedy prototypes, in the order chosen (``greedy_select_protos``)."""
    if not 0 <= m <= kernel.n:
        raise ValueError(f"cannot select {m} prototypes from {kernel.n} points")
    column_term = 2.0 * kernel.column_sums() / kernel.n
    diagonal = kernel.diagonal()
    chosen_sum = torch.zeros(kernel.n, dtype=DTYPE, device=kernel.device)  # Σ_{j∈S} K_jc, in the order chosen
    available = torch.ones(kernel.n, dtype=torch.bool, device=kernel.device)
    selected: list[int] = []
    for size in range(m):
        penalty = (2.0 * chosen_sum + diagonal) / (size + 1) if size else diagonal.abs()
        best = _best(column_term - penalty, available)
        selected.append(best)
        available[best] = False
        chosen_sum += kernel.rows(torch.tensor([best], device=kernel.device))[0]
    return torch.tensor(selected, dtype=torch.long)


def witness(kernel: Kernel, prototypes: Tensor) -> Tensor:
    """``[n]``: ``1/n · Σ_i K_ic − 1/m · Σ_{j∈S} K_jc`` (signed: positive where the data is
    denser than the prototypes cover, negative where they over-represent it)."""
    if len(prototypes) == 0:
        raise ValueError("the witness function needs at least one prototype")
    chosen = kernel.rows(prototypes.to(kernel.device))
    return kernel.column_sums() / kernel.n - chosen.sum(0) / len(prototypes)


def select_criticisms(kernel: Kernel, prototypes: Tensor, c: int, regularizer: Regularizer = "logdet") -> Tensor:
    """The ``c`` criticisms among the non-prototypes, in the order chosen
    (``select_criticism_regularized``; ``regularizer="none"``: by witness alone)."""
    if regularizer not in ("logdet", "none"):
        raise ValueError(f"regularizer must be 'logdet' or 'none', got {regularizer!r}")
    if not 0 <= c <= kernel.n - len(prototypes):
        raise ValueError(f"cannot select {c} criticisms from {kernel.n - len(prototypes)} non-prototypes")
    if c == 0:
        return torch.zeros(0, dtype=torch.long)
    scores = witness(kernel, prototypes).abs()
    diagonal = kernel.diagonal()
    available = torch.ones(kernel.n, dtype=torch.bool, device=kernel.device)
    available[prototypes.to(kernel.device)] = False
    selected: list[int] = []
    chosen_rows = torch.zeros(0, kernel.n, dtype=DTYPE, device=kernel.device)  # K[C, :]
    for _ in range(c):
        score = scores
        if regularizer == "logdet":
            if selected:
                inverse = torch.linalg.inv(chosen_rows[:, selected])
                explained = ((inverse @ chosen_rows) * chosen_rows).sum(0)  # k_cᵀ K_CC⁻¹ k_c
                score = scores + torch.log(torch.abs(diagonal - explained))
            else:
                score = scores - torch.log(torch.abs(diagonal))
        best = _best(score, available)
        selected.append(best)
        available[best] = False
        chosen_rows = torch.cat([chosen_rows, kernel.rows(torch.tensor([best], device=kernel.device))])
    return torch.tensor(selected, dtype=torch.long)
