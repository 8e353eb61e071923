"""MMD-critic selects what the reference algorithm selects, and what its objective says.

Independent checks: the ``mmd-critic`` package (PyPI; its prototype step is the reference's
greedy step) on the same kernel matrix; the objective J(S) written out term by term; the
criticisms' regularised selection written directly from its definition (witness plus
log det K_{C∪c} − log det K_C, by ``numpy.linalg.slogdet``)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from mmd_critic import MMDCritic
from mmd_critic.kernels import Kernel as PackageKernel
from sklearn.metrics.pairwise import rbf_kernel

from trustcnn.criticism import DenseKernel, RBFKernel, median_gamma, select_criticisms, select_per_class, select_prototypes, witness


class Precomputed(PackageKernel):
    """The package's kernel interface over a matrix we give it."""

    def __init__(self, matrix: np.ndarray) -> None:
        self.matrix = matrix

    def _compute(self, X, Y=None):  # the package's signature (X, Y)
        return self.matrix


def package_prototypes(matrix: np.ndarray, m: int) -> list[int]:
    """The ``mmd-critic`` package's greedy prototypes on ``matrix``, as row indices in the
    order chosen (rows stand in for points: ``labels`` are their indices)."""
    n = len(matrix)
    critic = MMDCritic(np.arange(n)[:, None], Precomputed(matrix), labels=np.arange(n))
    return critic.select_prototypes(m)[1].tolist()


def clustered(seed: int, n: int = 60, d: int = 5) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=3.0, size=(4, d))
    return centres[rng.integers(4, size=n)] + rng.normal(size=(n, d))


def objective(matrix: np.ndarray, chosen: list[int]) -> float:
    """J(S) = 2/(n·m)·Σ_i Σ_{j∈S} k(x_i, x_j) − 1/m²·Σ_{i,j∈S} k(x_i, x_j), term by term."""
    n, m = len(matrix), len(chosen)
    fit = sum(matrix[i, j] for i in range(n) for j in chosen)
    spread = sum(matrix[i, j] for i in chosen for j in chosen)
    return 2.0 / (n * m) * fit - spread / m**2


def direct_criticisms(matrix: np.ndarray, prototypes: list[int], c: int, logdet: bool) -> list[int]:
    """The regularised criticism selection from its definition: each step the non-prototype
    with the largest |witness| (+ log det K_{C∪c} − log det K_C), lowest index on a tie."""
    n = len(matrix)
    absolute = np.abs(matrix.mean(axis=0) - matrix[prototypes].mean(axis=0))
    chosen: list[int] = []
    for _ in range(c):
        best, best_score = None, -np.inf
        for candidate in range(n):
            if candidate in prototypes or candidate in chosen:
                continue
            score = absolute[candidate]
            if logdet:
                with_c = np.linalg.slogdet(matrix[np.ix_([*chosen, candidate], [*chosen, candidate])])[1]
                without = np.linalg.slogdet(matrix[np.ix_(chosen, chosen)])[1] if chosen else 0.0
                score += with_c - without
            if best is None or score > best_score:
                best, best_score = candidate, score
        chosen.append(best)
    return chosen


@pytest.mark.parametrize("seed", range(6))
def test_prototypes_are_the_mmd_critic_packages_on_the_same_kernel_matrix(seed: int) -> None:
    x = clustered(seed)
    matrix = rbf_kernel(x, gamma=median_gamma(torch.from_numpy(x)))
    ours = select_prototypes(DenseKernel(torch.from_numpy(matrix)), 12).tolist()
    assert ours == package_prototypes(matrix, 12)


@pytest.mark.parametrize("seed", range(4))
def test_every_greedy_step_is_the_best_single_addition_to_the_objective(seed: int) -> None:
    x = clustered(seed, n=9, d=3)
    matrix = rbf_kernel(x, gamma=0.2)
    chosen = select_prototypes(RBFKernel(torch.from_numpy(x), 0.2), 5).tolist()
    assert len(set(chosen)) == 5
    for step in range(5):
        before = chosen[:step]
        gains = {c: objective(matrix, [*before, c]) for c in range(9) if c not in before}
        assert objective(matrix, [*before, chosen[step]]) == pytest.approx(max(gains.values()), abs=1e-12), step
    # the same sequence as a greedy that evaluates J itself for every candidate (first index on a tie)
    brute: list[int] = []
    for _ in range(5):
        brute.append(max((c for c in range(9) if c not in brute), key=lambda c: objective(matrix, [*brute, c])))
    assert chosen == brute
    # and one prototype is the exhaustive optimum
    assert objective(matrix, chosen[:1]) == max(objective(matrix, [c]) for c in range(9))


@pytest.mark.parametrize("logdet", [True, False])
@pytest.mark.parametrize("seed", range(4))
def test_criticisms_are_the_regularised_selection_of_the_reference(seed: int, logdet: bool) -> None:
    x = clustered(seed, n=40)
    gamma = median_gamma(torch.from_numpy(x))
    matrix = rbf_kernel(x, gamma=gamma)
    kernel = RBFKernel(torch.from_numpy(x), gamma)
    prototypes = select_prototypes(kernel, 6)
    ours = select_criticisms(kernel, prototypes, 6, "logdet" if logdet else "none").tolist()
    assert ours == direct_criticisms(matrix, prototypes.tolist(), 6, logdet)
    assert not set(ours) & set(prototypes.tolist())


def test_the_log_determinant_keeps_criticisms_apart() -> None:
    # eight near-copies of a point far from the prototypes (chosen among the rest): by witness
    # alone most of the eight criticisms are copies; with the regulariser one of them is enough
    x = clustered(0, n=40)
    gamma = median_gamma(torch.from_numpy(x))
    prototypes = select_prototypes(RBFKernel(torch.from_numpy(x), gamma), 4)
    far = x.mean(0) + 40.0 + 1e-3 * np.random.default_rng(0).normal(size=(8, x.shape[1]))
    kernel = RBFKernel(torch.from_numpy(np.vstack([x, far])), gamma)
    twins = set(range(40, 48))
    assert len(twins & set(select_criticisms(kernel, prototypes, 8, "none").tolist())) >= 5
    assert len(twins & set(select_criticisms(kernel, prototypes, 8, "logdet").tolist())) == 1


def test_the_kernel_by_blocks_is_the_whole_kernel() -> None:
    x = clustered(1, n=301, d=7)
    matrix = rbf_kernel(x, gamma=0.05)
    kernel = RBFKernel(torch.from_numpy(x), 0.05, memory_budget_mb=2 * 301 * 8 * 10 / 2**20)  # blocks of 10 rows
    assert kernel.block_rows == 10
    np.testing.assert_allclose(kernel.column_sums().numpy(), matrix.sum(0), rtol=1e-12)
    np.testing.assert_allclose(kernel.rows(torch.tensor([3, 0, 300])).numpy(), matrix[[3, 0, 300]], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(witness(kernel, torch.tensor([1, 2])).numpy(), matrix.mean(0) - matrix[[1, 2]].mean(0), atol=1e-14)


def test_median_heuristic() -> None:
    x = clustered(2, n=50)
    distances = ((x[:, None] - x[None]) ** 2).sum(-1)[np.triu_indices(50, 1)]
    assert median_gamma(torch.from_numpy(x)) == pytest.approx(1 / np.median(distances), rel=1e-10)
    assert median_gamma(torch.zeros(5, 3)) == 1.0
    sampled = median_gamma(torch.from_numpy(clustered(3, n=500)), max_points=100)
    assert sampled == median_gamma(torch.from_numpy(clustered(3, n=500)), max_points=100)  # seeded


def test_local_kernel_is_the_reference_on_each_class_block_and_global_on_the_whole() -> None:
    x = clustered(4, n=90)
    labels = np.repeat([2, 0, 1], 30)
    local = select_per_class(x, labels, 4, 3)
    assert sorted(local) == [0, 1, 2]
    for k, selection in local.items():
        rows = np.flatnonzero(labels == k)
        block = rbf_kernel(x[rows], gamma=median_gamma(torch.from_numpy(x[rows])))
        assert selection.prototypes.tolist() == rows[package_prototypes(block, 4)].tolist()
        protos = [int(np.flatnonzero(rows == p)[0]) for p in selection.prototypes]
        assert selection.criticisms.tolist() == rows[direct_criticisms(block, protos, 3, True)].tolist()
        assert selection.gamma == pytest.approx(median_gamma(torch.from_numpy(x[rows])))
    whole = select_per_class(x, labels, 4, 3, kernel="global", gamma=0.1)
    matrix = rbf_kernel(x, gamma=0.1)
    protos = package_prototypes(matrix, 12)
    crits = direct_criticisms(matrix, protos, 9, True)
    for k, selection in whole.items():
        assert selection.prototypes.tolist() == [p for p in protos if labels[p] == k]
        assert selection.criticisms.tolist() == [c for c in crits if labels[c] == k]
        assert np.all(np.isfinite(selection.witness)) and len(selection.witness) == len(selection.criticisms)


def test_small_classes_give_what_they_have_and_bad_input_is_refused() -> None:
    x = clustered(5, n=7)
    labels = np.array([0, 0, 0, 1, 1, 1, 1])
    small = select_per_class(x, labels, 2, 4)
    assert len(small[0].prototypes) == 2 and len(small[0].criticisms) == 1
    assert len(small[1].prototypes) == 2 and len(small[1].criticisms) == 2
    with pytest.raises(ValueError, match="gamma"):
        RBFKernel(torch.from_numpy(x), 0.0)
    with pytest.raises(ValueError, match="prototypes"):
        select_prototypes(DenseKernel(torch.eye(3)), 4)
    with pytest.raises(ValueError, match="labels"):
        select_per_class(x, labels[:3], 2, 1)
    with pytest.raises(ValueError, match="regularizer"):
        select_criticisms(DenseKernel(torch.eye(3)), torch.tensor([0]), 1, "iterative")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no GPU")
def test_the_gpu_selects_what_the_cpu_selects() -> None:
    x = clustered(6, n=200)
    labels = np.repeat([0, 1], 100)
    cpu = select_per_class(x, labels, 5, 3)
    gpu = select_per_class(x, labels, 5, 3, device="cuda")
    for k in cpu:
        assert cpu[k].prototypes.tolist() == gpu[k].prototypes.tolist()
        assert cpu[k].criticisms.tolist() == gpu[k].criticisms.tolist()
