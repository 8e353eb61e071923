"""Peak memory of MMD-critic on 70,000 synthetic feature vectors: trustcnn's kernel by blocks
against a peer that holds each class's kernel matrix whole.

Features: ``--images`` float32 vectors of ``--features`` dimensions in ``--classes`` equal
classes (a Gaussian mixture per class, seeded), the size of Fashion-MNIST with the small CNN's
64-channel penultimate layer. Each variant runs in its own fresh process and selects, per class,
``--prototypes`` prototypes and ``--criticisms`` log-det-regularised criticisms with the local
(per-class) kernel, the reference's default:

- ``trustcnn``: :func:`trustcnn.criticism.select_per_class`, kernel blocks of at most
  ``--budget-mb`` (the project's 256 MiB default), on the CPU;
- ``mmd-critic``: the PyPI package (0.1.2) per class, whose kernel matrix is dense (n_k² float64);
  its criticisms are plain witness ones (the package has no log-det step), so it does less work;
- ``trustcnn-global`` (``--global``): one kernel over all the images (the reference would need
  the whole 70,000² matrix, 39 GB, for it), by blocks.

Printed: each variant's peak resident set (``ru_maxrss``) above its resident set just before
selecting (its libraries loaded and warmed up on 200 points), its wall time, and the ratio of trustcnn's peak to the peer's, measured in the same
run. A benchmark, not a test (``--smoke`` is the tiny run the test suite makes):

    .venv/bin/python benchmarks/bench_criticism_memory.py [--global] [--images 70000] [--budget-mb 256]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

VARIANTS = ("trustcnn", "mmd-critic")
SMOKE = {"images": 2_000, "features": 16, "classes": 4, "budget_mb": 1.0}


def synthetic(images: int, features: int, classes: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """float32 features, each class a mixture of 4 Gaussians; labels ``0 … classes − 1`` in turn."""
    rng = np.random.default_rng(seed)
    labels = np.arange(images) % classes
    centres = rng.standard_normal((classes, 4, features), dtype=np.float32) * 3
    x = rng.standard_normal((images, features), dtype=np.float32)
    x += centres[labels, rng.integers(4, size=images)]
    return x, labels


def resident_mib() -> float:
    return int(Path("/proc/self/statm").read_text().split()[1]) * resource.getpagesize() / 2**20


def select(variant: str, x: np.ndarray, labels: np.ndarray, args: argparse.Namespace) -> None:
    if variant in ("trustcnn", "trustcnn-global"):
        from trustcnn.criticism import select_per_class

        kind = "global" if variant == "trustcnn-global" else "local"
        select_per_class(x, labels, args.prototypes, args.criticisms, kernel=kind, memory_budget_mb=args.budget_mb)
        return
    from mmd_critic import MMDCritic
    from mmd_critic.kernels import RBFKernel

    for k in np.unique(labels):
        members = x[labels == k].astype(np.float64)
        distances = ((members[:512, None] - members[None, :512]) ** 2).sum(-1)[np.triu_indices(min(512, len(members)), 1)]
        sigma = float(np.sqrt(np.median(distances) / 2))  # the same median heuristic: exp(-d²/(2σ²)) = exp(-d²/median)
        critic = MMDCritic(members, RBFKernel(sigma))
        prototypes, _ = critic.select_prototypes(args.prototypes)
        critic.select_criticisms(args.criticisms, prototypes)


def child(args: argparse.Namespace) -> None:
    """One variant in this process: prints ``{"before_mib", "peak_mib", "seconds"}``. Its
    libraries are loaded and warmed up on 200 points first, so the peak is the selection's."""
    x, labels = synthetic(args.images, args.features, args.classes)
    select(args.child, *synthetic(200, args.features, 2, seed=1), args)
    before = resident_mib()
    start = time.perf_counter()
    select(args.child, x, labels, args)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"before_mib": before, "peak_mib": peak, "seconds": seconds}))


def run(variant: str, args: argparse.Namespace) -> dict:
    options = [f"--{k.replace('_', '-')}={v}" for k, v in vars(args).items() if k not in ("child", "smoke", "include_global")]
    done = subprocess.run(
        [sys.executable, __file__, "--child", variant, *options],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).parent,
    )
    if done.returncode != 0:
        raise SystemExit(f"{variant} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=70_000)
    parser.add_argument("--features", type=int, default=64)
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--prototypes", type=int, default=8)
    parser.add_argument("--criticisms", type=int, default=4)
    parser.add_argument("--budget-mb", dest="budget_mb", type=float, default=256.0)
    parser.add_argument("--global", dest="include_global", action="store_true", help="also one kernel over all images")
    parser.add_argument("--smoke", action="store_true", help="a tiny run (the test suite's)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.smoke:
        for key, value in SMOKE.items():
            setattr(args, key, value)
    if args.child:
        child(args)
        return
    variants = [*VARIANTS, *(("trustcnn-global",) if args.include_global else ())]
    results = {variant: run(variant, args) for variant in variants}
    print(f"{args.images} images × {args.features} features, {args.classes} classes; kernel blocks ≤ {args.budget_mb:g} MiB")
    print("| variant | peak RSS above start (MiB) | peak RSS (MiB) | seconds |")
    print("|---|---|---|---|")
    for variant, r in results.items():
        print(f"| {variant} | {r['peak_mib'] - r['before_mib']:.1f} | {r['peak_mib']:.1f} | {r['seconds']:.1f} |")
    ours, peer = (results[v]["peak_mib"] - results[v]["before_mib"] for v in VARIANTS)
    print(f"trustcnn / mmd-critic peak above start: {ours / max(peer, 1e-9):.3f}")
    print(f"trustcnn within the budget (+{args.budget_mb:g} MiB): {'yes' if ours <= args.budget_mb else 'no'}")


if __name__ == "__main__":
    main()
