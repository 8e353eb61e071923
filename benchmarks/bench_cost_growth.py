"""How wall time and peak memory grow with the number of images, stage by stage.

A benchmark, not a test: ``.venv/bin/python benchmarks/bench_cost_growth.py`` (most of an
hour on 2 cores, nearly all of it the 70k run) runs ingestion → baseline → one trust variant → saliency → error detection →
robustness → criticism → evaluation on Fashion-MNIST composited onto textures at 1k, 10k and 70k images
(``data.max_per_class`` = N/10 of each of the ten classes), each stage its own
``kedro run --pipelines=<stage>`` in a fresh copy of the project. Error detection,
robustness and criticism are in the chain because evaluation reads their outputs.

It measures *growth*, not training quality: every model trains for ``--epochs`` (default 1)
epochs, the trust variant has no grid search, and saliency, error detection, attacks and the
bootstrap run their cheapest settings (Grad-CAM only, 2 stability samples, detectors fitted
once on val, 1 PGD step, 20 resamples). Peak RSS is the largest resident set of the stage's
process tree (``wait4``'s ``ru_maxrss``). ``--smoke`` runs 200 images, for the test suite;
``--plot`` writes the figure; ``--results`` keeps the costs in a JSON file, so sizes can be
measured in separate runs and tabled together; ``--checkout`` runs another checkout's conf/
and src/ (a clean ``git clone`` of the commit to measure).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import time
from pathlib import Path

import yaml
from project_copy import KEDRO, project_copy

STAGES = ("ingestion", "baseline", "trust", "saliency", "error_detection", "robustness", "criticism", "evaluation")
VARIANT = "trust_gradcam"
SIZES = (1_000, 10_000, 70_000)
BOUND_MIB = 512
"""The memory bound: no stage's peak RSS more than this above its peak at the smallest size."""
SMOKE_SIZES = (200,)
CLASSES = 10


@dataclasses.dataclass(frozen=True)
class Cost:
    images: int
    stage: str
    seconds: float
    peak_rss_mib: float


def bench_parameters(images: int, epochs: int) -> dict:
    """The ``bench`` environment: Fashion-MNIST, ``images`` glyphs in all, one trust variant."""
    return {
        "trust_variants": [VARIANT],
        "human_mask_variants": [],
        "data": {
            "source": "fashion_mnist",
            "classes": None,
            "source_classes": None,  # the source task re-composites the target's train glyphs
            "source_copies": 1,
            "max_per_class": images // CLASSES,
        },
        "source_training": {"epochs": epochs},
        "baseline": {"epochs": epochs},
        VARIANT: {"trust": {"epochs": epochs, "grid": None}},
        # the cheapest settings of the per-image post-hoc work: growth, not its constant, is measured
        "saliency": {"extra_methods": []},
        "bias": {"methods": ["gradcam"]},
        "error_detection": {"conductance_steps": 1, "stability_samples": 2, "fit_on": "val"},  # no nested CV on test
        "robustness": {"fgsm_eps_255": [8], "pgd_steps": 1},
        "evaluation": {"n_resamples": 20},
    }


def run_stage(root: Path, stage: str, log: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of ``kedro run --pipelines=<stage> --env=bench``."""
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
    env |= {"KEDRO_DISABLE_TELEMETRY": "1", "MPLBACKEND": "Agg", "TQDM_DISABLE": "1", "KEDRO_ENV": "bench"}
    with log.open("w") as out:
        start = time.perf_counter()
        process = subprocess.Popen([str(KEDRO), "run", f"--pipelines={stage}", "--env=bench"], cwd=root, env=env, stdout=out, stderr=out)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"kedro run --pipelines={stage} failed ({process.returncode}):\n{log.read_text()[-4000:]}")
    return seconds, usage.ru_maxrss / 1024  # Linux reports KiB


def merge(results: Path, costs: list[Cost]) -> list[Cost]:
    """``costs`` and the other sizes already in ``results`` (written back), so sizes can be
    measured in separate invocations and tabled together."""
    sizes = {c.images for c in costs}
    kept = [Cost(**row) for row in json.loads(results.read_text())] if results.is_file() else []
    merged = sorted([c for c in kept if c.images not in sizes] + costs, key=lambda c: (c.images, STAGES.index(c.stage)))
    results.write_text(json.dumps([dataclasses.asdict(c) for c in merged], indent=1) + "\n")
    return merged


def measure(images: int, epochs: int, checkout: Path | None) -> list[Cost]:
    with project_copy(checkout) as root:
        bench = root / "conf" / "bench"
        bench.mkdir()
        (bench / "parameters.yml").write_text(yaml.safe_dump(bench_parameters(images, epochs)))
        costs = []
        for stage in STAGES:
            seconds, peak = run_stage(root, stage, root / f"{stage}.log")
            costs.append(Cost(images, stage, seconds, peak))
            print(f"{images:>6} {stage:<16} {seconds:8.1f} s {peak:8.0f} MiB", flush=True)
        return costs


def table(costs: list[Cost]) -> str:
    sizes = sorted({c.images for c in costs})
    by = {(c.images, c.stage): c for c in costs}
    head = "| stage | " + " | ".join(f"{n:,} images: wall s / peak RSS MiB" for n in sizes) + " |"
    rows = [head, "|" + "---|" * (len(sizes) + 1)]
    rows += [
        f"| {stage} | " + " | ".join(f"{by[n, stage].seconds:.1f} / {by[n, stage].peak_rss_mib:.0f}" for n in sizes) + " |"
        for stage in STAGES
    ]
    total = " | ".join(f"{sum(by[n, s].seconds for s in STAGES):.1f} / {max(by[n, s].peak_rss_mib for s in STAGES):.0f}" for n in sizes)
    rows.append(f"| **all (sum / max)** | {total} |")
    return "\n".join(rows)


def growth(costs: list[Cost]) -> dict[tuple[int, str], float]:
    """Each stage's peak RSS above its peak at the smallest size measured, in MiB."""
    smallest = min(c.images for c in costs)
    floor = {c.stage: c.peak_rss_mib for c in costs if c.images == smallest}
    return {(c.images, c.stage): c.peak_rss_mib - floor[c.stage] for c in costs}


def verdict(costs: list[Cost]) -> str:
    (images, stage), most = max(growth(costs).items(), key=lambda item: item[1])
    within = "within" if most <= BOUND_MIB else "OVER"
    return f"largest peak-RSS growth over {min(c.images for c in costs):,} images: {most:+.0f} MiB ({stage}, {images:,} images); bound {BOUND_MIB} MiB: {within}"


def plot(costs: list[Cost], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = sorted({c.images for c in costs})
    above = growth(costs)
    figure, (wall, rss) = plt.subplots(1, 2, figsize=(11, 4.4))
    for stage in STAGES:
        points = sorted((c.images, c.seconds, above[c.images, stage]) for c in costs if c.stage == stage)
        wall.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=stage)
        rss.plot([p[0] for p in points], [p[2] for p in points], marker="o", label=stage)
    rss.axhline(BOUND_MIB, color="black", linestyle="--", linewidth=1, label=f"bound (+{BOUND_MIB} MiB)")
    wall.set_title("wall time per stage")
    rss.set_title(f"peak RSS above the stage's own at {sizes[0]:,} images")
    for axis, label in ((wall, "wall time (s)"), (rss, "peak RSS growth (MiB)")):
        axis.set_xscale("log")
        axis.set_xticks(sizes, [f"{n:,}" for n in sizes])
        axis.set_xlabel("images (Fashion-MNIST, composited)")
        axis.set_ylabel(label)
        axis.grid(alpha=0.3)
    wall.set_yscale("log")
    rss.set_ylim(bottom=min(0, *above.values()) - 20, top=BOUND_MIB * 1.25)
    rss.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help=f"sizes {SMOKE_SIZES}, for the test suite")
    parser.add_argument("--sizes", type=int, nargs="+", help=f"images per run (default {SIZES})")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--plot", type=Path, help="write the figure here (PNG)")
    parser.add_argument("--results", type=Path, help="JSON the costs are merged into (other sizes kept); table and plot show it all")
    parser.add_argument("--checkout", type=Path, help="run this checkout's conf/ and src/ instead of the installed code")
    args = parser.parse_args()
    sizes = args.sizes or (SMOKE_SIZES if args.smoke else SIZES)
    if any(n < 2 * CLASSES * 10 or n % CLASSES for n in sizes):
        parser.error(f"--sizes must be multiples of {CLASSES}, at least {2 * CLASSES * 10}, got {sizes}")
    print(f"cpu cores: {os.cpu_count()}, epochs: {args.epochs}, variant: {VARIANT} (no grid)", flush=True)
    costs: list[Cost] = []
    for n in sizes:
        costs += measure(n, args.epochs, args.checkout)
        if args.results is not None:
            costs = merge(args.results, costs)
    print(table(costs))
    print(verdict(costs))
    if args.plot is not None:
        plot(costs, args.plot)


if __name__ == "__main__":
    main()
