"""How many images must people mark? Gap closed against the number of marked training images.

    .venv/bin/python benchmarks/bench_annotation_budget.py            # the full grid (see --plan)
    .venv/bin/python benchmarks/bench_annotation_budget.py --plan     # what it trains, no training
    .venv/bin/python benchmarks/bench_annotation_budget.py --from-json benchmarks/annotation_budget.json \\
        --docs docs/human_masks.md                                      # redraw and rewrite the docs only

Simulated annotators (:mod:`trustcnn.data.simulated_marks`) mark a seeded sample of the
training images — nested, so a budget adds images to the smaller ones — from the data's own
masks, at each feedback quality of the XIL typology (exact, box, half, wrong); the marks go
through the same combination (:func:`trustcnn.data.human_masks.combine_marks`) and the same
training code (``masks: human``) as people's. Each loss is trained from the same baseline as
in the pipeline (its configuration from ``conf/``, on the grid point its grid chooses with the
data's own masks: the "data masks" row, trained once per seed and loss), and scored by the
share of the baseline's gap to the no-decoy reference it closes on the test split (decoy in a
random colour), with its decoy flip rate and accuracy.

Every seed retrains everything that depends on it — the source backbone (where pretrained),
the baseline, the no-decoy reference, each loss — and draws its own sample of images to mark;
the splits stay those of ``data.seed``. Across seeds: mean and a t-interval (95%).

The grid is chosen to fit an hour on the project's 2-core CPU (``--plan`` prints it): on the
default data every loss and quality; on ``decoy_fashion`` (every model trained end to end on
6,000 images, so each training costs ~10× one on the default) exact marks for ``rrr`` and
``trust_mask`` (a box around its 4-pixel swatch, which sits on the 4-pixel cells, is the swatch).
Masks that a cell shares with one trained before (same seed and loss) train the same model bit
for bit, so it is scored once: exact marks on every image of ``decoy_fashion`` are its data's
masks. A budget of 0 is the loss without any mask (its mask term is 0 everywhere). The results go to ``--json``, the
figure to ``--plot``, the docs' table (between the ``annotation-budget`` markers) to ``--docs``.
``--tiny`` is the suite's version: a few images, one epoch, one seed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import math
import os
import re
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

PROJECT = Path(__file__).resolve().parents[1]
BUDGETS: tuple[int | None, ...] = (0, 10, 25, 50, 100, 200, None)  # None: every training image
LOSSES = ("rrr", "rrr_gradcam", "trust_mask")
QUALITIES = ("exact", "box", "half", "wrong")
MARKERS = ("<!-- annotation-budget:begin -->", "<!-- annotation-budget:end -->")


@dataclass(frozen=True)
class Grid:
    """What one dataset's part of the benchmark trains."""

    env: str | None  # the configuration environment (None: conf/base alone)
    label: str
    losses: tuple[str, ...]
    qualities: tuple[str, ...]
    kind: str = "avoid"  # what the simulated people are asked to mark
    budgets: tuple[int | None, ...] = BUDGETS
    overrides: dict[str, Any] = field(default_factory=dict)  # parameters laid over the environment's


GRIDS = {
    "default": Grid(None, "default (digits)", LOSSES, QUALITIES),
    "decoy_fashion": Grid("decoy_fashion", "decoy_fashion", ("rrr", "trust_mask"), ("exact",)),
}


def tiny(grid: Grid) -> Grid:
    """The suite's version: a few images per class, one epoch, two budgets, no grid search."""
    epochs = {"epochs": 1, "grid": None}
    data = {"max_per_class": 8, "source_copies": 1} if grid.env is None else {"max_per_class": 12}
    overrides = {"data": data, "source_training": {"epochs": 1}, "baseline": {"epochs": 1}}
    overrides |= {loss: {"trust": epochs} for loss in grid.losses}
    return Grid(grid.env, grid.label, grid.losses[:2], grid.qualities[:2], grid.kind, (0, 5), overrides)


# --- configuration ------------------------------------------------------------------------


def parameters(grid: Grid) -> dict[str, Any]:
    """The parameters a ``kedro run`` of ``grid.env`` would get (soft merge, trust defaults laid
    over each variant), with ``grid.overrides`` on top."""
    from kedro.config import OmegaConfigLoader

    from trustcnn.parameters import with_seeds, with_trust_defaults

    loader = OmegaConfigLoader(
        str(PROJECT / "conf"), base_env="base", default_run_env=grid.env or "local", merge_strategy={"parameters": "soft"}
    )
    params = dict(loader["parameters"])
    for key, value in grid.overrides.items():
        params[key] = _merged(params.get(key), value)
    return with_seeds(with_trust_defaults(params))


def _merged(base: Any, override: Any) -> Any:
    if isinstance(base, dict) and isinstance(override, dict):
        return {**base, **{k: _merged(base.get(k), v) for k, v in override.items()}}
    return override


# --- one seed -------------------------------------------------------------------------------


@dataclass
class Row:
    dataset: str
    seed: int
    loss: str
    quality: str  # exact | box | half | wrong; "data" (the data's own masks); "none" (budget 0)
    budget: int | None  # images marked (None: all)
    marked: int
    accuracy: float
    gap_closed: float | None
    flip_rate: float
    seconds: float


class Scorer:
    """Accuracy, decoy flip rate and gap closed of a model on the test split, against the
    seed's baseline and no-decoy reference."""

    def __init__(self, test: Any, batch_size: int = 256) -> None:
        from trustcnn.batches import SplitData
        from trustcnn.data.decoy_views import decoy_colours

        self.test, self.batch_size = test, batch_size
        self.views = {"random": SplitData.of(test)}
        self.views |= {view: SplitData.of(test, repaint_colours=c) for view, c in decoy_colours(test, seed=0).items()}
        self.baseline: np.ndarray | None = None
        self.reference: np.ndarray | None = None

    def predictions(self, model: Any) -> dict[str, np.ndarray]:
        from trustcnn.posthoc import probabilities

        return {view: probabilities(model, data, self.batch_size).argmax(axis=1) for view, data in self.views.items()}

    def correct(self, model: Any) -> np.ndarray:
        return (self.predictions(model)["random"] == self.test.labels).astype(float)

    def score(self, model: Any) -> dict[str, float | None]:
        """The gap closed is the pipeline's point value, ``(acc − acc_baseline) / (acc_no_decoy −
        acc_baseline)``; ``None`` when the baseline is not behind the reference."""
        views = self.predictions(model)
        accuracy = float((views["random"] == self.test.labels).mean())
        gap = float(self.reference.mean() - self.baseline.mean())
        closed = (accuracy - float(self.baseline.mean())) / gap if gap > 0 else None
        return {"accuracy": accuracy, "gap_closed": closed, "flip_rate": float((views["consistent"] != views["swapped"]).mean())}


def run_seed(name: str, grid: Grid, params: dict[str, Any], splits: dict[str, Any], seed: int, rows: list[Row]) -> None:
    """Everything of one dataset and seed: backbone, baseline, reference, each loss on the
    data's masks and at every quality and budget of simulated marks."""
    from trustcnn.config import BaselineConfig, ModelConfig, OptimConfig, TrustConfig
    from trustcnn.data.human_masks import combine_marks
    from trustcnn.data.simulated_marks import budget_sample, simulate_marks
    from trustcnn.models import baseline_parts, to_checkpoint
    from trustcnn.training import (
        clear_shared,
        fit_variant,
        model_on_backbone,
        obtain_backbone,
        train_baseline,
        train_trust,
        trust_start_model,
        variant_splits,
    )

    model_config = ModelConfig(**params["model"])
    reseed = {"seed": seed}
    train, val, test = splits["train"], splits["val"], splits["test"]
    backbone = obtain_backbone(
        model_config, splits["source_train"], splits["source_val"], OptimConfig(**params["source_training"]).model_copy(update=reseed)
    ).checkpoint
    baseline_config = BaselineConfig(**params["baseline"]).model_copy(update=reseed)
    parts = baseline_parts(model_config, train.num_classes, baseline_config.trainable)
    scorer = Scorer(test)

    def trained_baseline(train_split: Any, val_split: Any, desc: str) -> Any:
        net = model_on_backbone(backbone, model_config, train.num_classes, seed)
        train_baseline(net, train_split, val_split, baseline_config, parts=parts, desc=desc)
        return net

    baseline = trained_baseline(train, val, "baseline")
    scorer.baseline = scorer.correct(baseline)
    scorer.reference = scorer.correct(trained_baseline(splits["train_no_decoy"], splits["val_no_decoy"], "no_decoy"))
    baseline_checkpoint = to_checkpoint(baseline, model_config, train.class_names)
    for loss in grid.losses:
        config = TrustConfig(**params[loss]["trust"]).model_copy(update=reseed)
        start = trust_start_model(config, baseline_checkpoint, backbone)
        began = time.perf_counter()
        chosen = fit_variant(start, train, val, config, f"{loss} (data masks)")
        scores = scorer.score(chosen.model)
        rows.append(Row(name, seed, loss, "data", None, len(train), **scores, seconds=time.perf_counter() - began))
        # The same masks train the same model, bit for bit (tests/training/test_human_mask_training.py):
        # e.g. exact marks of decoy_fashion's swatch on every image are its data's masks, and a box
        # around a swatch that sits on the cells is the swatch. Such a cell is scored once.
        trained = {_digest(train.masks, np.ones(len(train), dtype=bool)): scores}
        human_config = chosen.chosen.model_copy(update={"masks": "human"})
        for quality, budget in cells(grid):
            began = time.perf_counter()
            marked = budget_sample(len(train), budget, seed)
            human = combine_marks(simulate_marks(train, marked, quality=quality, kind=grid.kind, seed=seed), train)
            key = _digest(human.masks, human.has_mask)
            if key not in trained:
                model, _ = train_trust(
                    start, *variant_splits(human_config, train, val, human, loss), human_config, f"{loss} ({quality}, {budget})"
                )
                trained[key] = scorer.score(model)
            label = "none" if budget == 0 else quality
            rows.append(Row(name, seed, loss, label, budget, human.marked, **trained[key], seconds=time.perf_counter() - began))
    clear_shared()


def _digest(masks: np.ndarray, has_mask: np.ndarray) -> str:
    return hashlib.blake2b(np.packbits(masks).tobytes() + np.packbits(has_mask).tobytes(), digest_size=16).hexdigest()


def cells(grid: Grid) -> Iterable[tuple[str, int | None]]:
    """(quality, budget) pairs: budget 0 once (nothing marked: the quality doesn't matter)."""
    if 0 in grid.budgets:
        yield grid.qualities[0], 0
    for quality in grid.qualities:
        for budget in grid.budgets:
            if budget != 0:
                yield quality, budget


def trainings(grid: Grid, params: dict[str, Any], seeds: int) -> int:
    """How many models the grid trains (grid points of the data-masks runs included)."""
    per_loss = 0
    for loss in grid.losses:
        search = params[loss]["trust"].get("grid")
        points = len(search["lr"]) * len(search["lam"]) if search else 1
        per_loss += points + len(list(cells(grid)))
    return seeds * (2 + per_loss)


# --- across seeds, the figure and the docs -------------------------------------------------


def mean_t_interval(values: list[float]) -> dict[str, Any]:
    """Mean and 95% t-interval over seeds (collapsed with one seed)."""
    values = [v for v in values if v is not None]
    if not values:
        return {"value": None, "ci95": [None, None], "n": 0}
    mean = float(np.mean(values))
    if len(values) < 2:
        return {"value": mean, "ci95": [mean, mean], "n": 1}
    half = float(stats.t.ppf(0.975, len(values) - 1) * np.std(values, ddof=1) / math.sqrt(len(values)))
    return {"value": mean, "ci95": [mean - half, mean + half], "n": len(values)}


def summarise(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One record per dataset, loss, quality and budget: mean and CI over seeds."""
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault((row["dataset"], row["loss"], row["quality"], row["budget"]), []).append(row)
    return [
        {
            "dataset": d,
            "loss": loss,
            "quality": q,
            "budget": b,
            "marked": int(np.mean([r["marked"] for r in group])),
            **{metric: mean_t_interval([r[metric] for r in group]) for metric in ("gap_closed", "accuracy", "flip_rate")},
        }
        for (d, loss, q, b), group in groups.items()
    ]


def curve(summary: list[dict[str, Any]], dataset: str, loss: str, quality: str) -> list[dict[str, Any]]:
    """The points of one curve in budget order: budget 0, then the quality's budgets."""
    points = [s for s in summary if s["dataset"] == dataset and s["loss"] == loss and s["quality"] in (quality, "none")]
    return sorted(points, key=lambda s: math.inf if s["budget"] is None else s["budget"])


def half_gap_budget(summary: list[dict[str, Any]], dataset: str, loss: str, quality: str) -> tuple[int | str | None, float | None]:
    """The smallest budget whose mean gap closed reaches half of what the same loss closes with
    the data's own masks, and that target; ``None`` when no budget does, ``"–"`` when the loss
    closes no gap with the data's masks."""
    data = [s for s in summary if s["dataset"] == dataset and s["loss"] == loss and s["quality"] == "data"]
    target = data[0]["gap_closed"]["value"] if data else None
    if target is None or target <= 0:
        return "–", target
    for point in curve(summary, dataset, loss, quality):
        value = point["gap_closed"]["value"]
        if value is not None and value >= target / 2:
            return ("all" if point["budget"] is None else point["budget"]), target
    return None, target


def plot(summary: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    datasets = sorted({s["dataset"] for s in summary}, key=list(GRIDS).index)
    losses = [loss for loss in LOSSES if any(s["loss"] == loss for s in summary)]
    figure, axes = plt.subplots(len(datasets), len(losses), figsize=(4.2 * len(losses), 3.4 * len(datasets)), squeeze=False)
    for row, dataset in enumerate(datasets):
        budgets = sorted({s["budget"] for s in summary if s["dataset"] == dataset and s["budget"] is not None})
        all_x = (max(budgets) * 2) if budgets and max(budgets) > 0 else 1
        for col, loss in enumerate(losses):
            ax = axes[row][col]
            ax.set_title(f"{GRIDS[dataset].label if dataset in GRIDS else dataset}: {loss}", fontsize=9)
            for quality in QUALITIES:
                points = curve(summary, dataset, loss, quality)
                if not any(p["quality"] == quality for p in points):
                    continue
                xs = [all_x if p["budget"] is None else max(p["budget"], 0.5) for p in points]
                ys = [p["gap_closed"]["value"] for p in points]
                lo = [p["gap_closed"]["ci95"][0] for p in points]
                hi = [p["gap_closed"]["ci95"][1] for p in points]
                ax.plot(xs, ys, marker="o", ms=3, label=quality)
                ax.fill_between(xs, [v if v is not None else np.nan for v in lo], [v if v is not None else np.nan for v in hi], alpha=0.12)
            data = [s for s in summary if s["dataset"] == dataset and s["loss"] == loss and s["quality"] == "data"]
            if data and data[0]["gap_closed"]["value"] is not None:
                ax.axhline(data[0]["gap_closed"]["value"], color="black", ls="--", lw=1, label="data's masks")
            ax.axhline(0, color="grey", lw=0.5)
            ax.set_xscale("symlog", linthresh=1)
            ax.set_xticks([0.5, *[b for b in budgets if b > 0], all_x], ["0", *[str(b) for b in budgets if b > 0], "all"], fontsize=7)
            ax.set_xlabel("training images marked", fontsize=8)
            ax.set_ylabel("gap closed", fontsize=8)
            if ax.get_legend_handles_labels()[0]:
                ax.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def fmt(estimate: dict[str, Any]) -> str:
    if estimate["value"] is None:
        return "–"
    lo, hi = estimate["ci95"]
    return f"{estimate['value']:.2f} [{lo:.2f}, {hi:.2f}]"


def markdown(results: dict[str, Any], image: str) -> str:
    """The docs' section: the half-gap table, the figure (at ``image``), gap closed per budget."""
    summary = results["summary"]
    lines = [
        f"Written by `benchmarks/bench_annotation_budget.py` from `{results['json']}` "
        f"({results['seeds']} seed(s); {results['trainings']} models trained in {results['seconds'] / 60:.0f} min). "
        "Gap closed: mean over seeds [95% t-interval].",
        "",
        "**Marked images needed for half the gap** the same loss closes with the data's own masks "
        "(the smallest budget whose mean reaches it), and exact marks on every image beside the data's masks:",
        "",
        "| data | loss | data's masks: gap closed | exact marks, all images | " + " | ".join(f"{q}" for q in QUALITIES) + " |",
        "|---|---|---|---|" + "---|" * len(QUALITIES),
    ]
    for dataset in results["grids"]:
        for loss in results["grids"][dataset]["losses"]:
            cells_ = []
            for quality in QUALITIES:
                if quality not in results["grids"][dataset]["qualities"]:
                    cells_.append("not run")
                    continue
                budget, _ = half_gap_budget(summary, dataset, loss, quality)
                cells_.append("not reached" if budget is None else str(budget))
            data = [s for s in summary if s["dataset"] == dataset and s["loss"] == loss and s["quality"] == "data"]
            exact = [p for p in curve(summary, dataset, loss, "exact") if p["budget"] is None and p["quality"] == "exact"]
            lines.append(
                f"| {dataset} | {loss} | {fmt(data[0]['gap_closed']) if data else '–'} | {fmt(exact[0]['gap_closed']) if exact else '–'} | "
                + " | ".join(cells_)
                + " |"
            )
    lines += [
        "",
        f"![gap closed against images marked]({image})",
        "",
        "**Gap closed by budget** (budget 0: the loss with no mask at all):",
        "",
    ]
    for dataset, grid in results["grids"].items():
        budgets = ["all" if b is None else str(b) for b in grid["budgets"]]
        lines += [
            f"{dataset} (people asked to mark: {grid['kind']}):",
            "",
            "| loss | quality | " + " | ".join(budgets) + " |",
            "|---|---|" + "---|" * len(budgets),
        ]
        for loss in grid["losses"]:
            for quality in grid["qualities"]:
                by_budget = {p["budget"]: p for p in curve(summary, dataset, loss, quality)}
                row = [fmt(by_budget[b]["gap_closed"]) if b in by_budget else "–" for b in grid["budgets"]]
                lines.append(f"| {loss} | {quality} | " + " | ".join(row) + " |")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def write_docs(path: Path, section: str) -> None:
    """Replace the text between the ``annotation-budget`` markers of ``path``."""
    text = path.read_text(encoding="utf-8")
    begin, end = MARKERS
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.DOTALL)
    if not pattern.search(text):
        raise SystemExit(f"{path} has no {begin} … {end} markers to write between")
    path.write_text(pattern.sub(lambda _: f"{begin}\n{section}{end}", text), encoding="utf-8")


# --- main -----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", choices=list(GRIDS), default=list(GRIDS))
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0 … n-1")
    parser.add_argument("--json", type=Path, default=PROJECT / "benchmarks/annotation_budget.json")
    parser.add_argument("--plot", type=Path, default=PROJECT / "docs/images/annotation_budget.png")
    parser.add_argument("--docs", type=Path, help="rewrite the section between the annotation-budget markers")
    parser.add_argument("--from-json", type=Path, nargs="+", help="no training: redraw and rewrite from these results (merged)")
    parser.add_argument("--plan", action="store_true", help="print what would be trained and stop")
    parser.add_argument("--tiny", action="store_true", help="the suite's version: a few images, one epoch")
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="(dataset, seed) jobs side by side, one torch thread each (default: a core each)",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    os.environ.setdefault("TQDM_DISABLE", "1")

    grids = {name: tiny(GRIDS[name]) if args.tiny else GRIDS[name] for name in args.datasets}
    if args.from_json:
        results = merged([json.loads(path.read_text()) for path in args.from_json])
    else:
        params = {name: parameters(grid) for name, grid in grids.items()}
        total = sum(trainings(grid, params[name], args.seeds) for name, grid in grids.items())
        for name, grid in grids.items():
            print(
                f"{name}: losses {grid.losses}, qualities {grid.qualities}, kind {grid.kind}, budgets "
                f"{['all' if b is None else b for b in grid.budgets]}: {trainings(grid, params[name], args.seeds)} models"
            )
        print(f"{args.seeds} seed(s), {total} models in all")
        if args.plan:
            return
        results = run(grids, params, args.seeds, args.json, total, max(1, args.workers))
    results["summary"] = summarise(results["rows"])
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=1) + "\n")
    plot(results["summary"], args.plot)
    section = markdown(results, os.path.relpath(args.plot, args.docs.parent) if args.docs else str(args.plot))
    print(section)
    if args.docs:
        write_docs(args.docs, section)


def merged(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Results of separate runs (e.g. one per dataset) as one."""
    if len({part["seeds"] for part in parts}) != 1:
        raise SystemExit(f"--from-json: the runs have different numbers of seeds {[part['seeds'] for part in parts]}")
    first = parts[0]
    return {
        **first,
        "trainings": sum(p["trainings"] for p in parts),
        "seconds": sum(p["seconds"] for p in parts),
        "grids": {k: v for p in parts for k, v in p["grids"].items()},
        "rows": [r for p in parts for r in p["rows"]],
    }


_SPLITS: dict[str, Any] = {}  # a worker's splits, loaded once per dataset


def _init_worker(threads: int) -> None:
    import torch

    torch.set_num_threads(threads)


def seed_rows(name: str, grid: Grid, params: dict[str, Any], seed: int) -> list[Row]:
    """:func:`run_seed` in a worker of the pool: the splits loaded once per process, the global
    RNGs seeded, so a seed's models are the same whichever worker trains it after whichever seed."""
    import torch

    from trustcnn.config import DataConfig
    from trustcnn.data.sources import load_source

    if name not in _SPLITS:
        _SPLITS[name] = load_source(DataConfig(**params["data"])).splits
    torch.manual_seed(seed)
    np.random.seed(seed)
    rows: list[Row] = []
    run_seed(name, grid, params, _SPLITS[name], seed, rows)
    return rows


def run(grids: dict[str, Grid], params: dict[str, dict], seeds: int, json_path: Path, total: int, workers: int) -> dict[str, Any]:
    """Every (dataset, seed) of the grid, ``workers`` at a time, each on one torch thread (two
    workers with torch's two-thread pools on two cores wait on each other: benchmarks/results.md,
    "Parallel variants"), so the numbers are the same whatever ``workers`` is."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    threads = 1
    began = time.perf_counter()
    # The costliest first (decoy_fashion trains end to end), so the last job to start is a short one.
    jobs = sorted(((name, seed) for name in grids for seed in range(seeds)), key=lambda job: (grids[job[0]].env is None, job[1]))
    found: dict[tuple[str, int], list[Row]] = {}
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no torch thread pool inherited
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_init_worker, initargs=(threads,)) as pool:
        futures = {pool.submit(seed_rows, name, grids[name], params[name], seed): (name, seed) for name, seed in jobs}
        for future in as_completed(futures):
            name, seed = futures[future]
            found[name, seed] = future.result()
            scored = sum(len(r) for r in found.values())
            print(f"{name} seed {seed}: done, {scored} models scored, {(time.perf_counter() - began) / 60:.1f} min", flush=True)
    rows = [row for name in grids for seed in range(seeds) for row in found[name, seed]]  # a fixed order
    return {
        "json": str(json_path.relative_to(PROJECT) if json_path.is_relative_to(PROJECT) else json_path),
        "seeds": seeds,
        "trainings": total,
        "seconds": time.perf_counter() - began,
        "threads": threads,
        "workers": workers,
        "cpus": os.cpu_count(),
        "grids": {name: {**asdict(grid), "overrides": grid.overrides} for name, grid in grids.items()},
        "rows": [asdict(row) for row in rows],
    }


if __name__ == "__main__":
    main()
