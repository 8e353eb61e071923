"""The summary across seeds in words and tables: ``summary.md``, and the table and sentences the
docs print (:mod:`trustcnn.replicates.docs`). Every sentence is generated from the summary and
says only what holds across its seeds: *sign-stable* — the model differs from the baseline the
same way in every seed and the t-interval of the paired difference excludes 0 — or *mixed*."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from matplotlib.figure import Figure

from trustcnn.evaluation.champion import NO_DECOY, REFERENCE
from trustcnn.plotting.forest import forest_plot

LABELS = {
    "accuracy_consistent": "accuracy, decoy consistent",
    "accuracy": "accuracy (decoy random)",
    "accuracy_swapped": "accuracy, decoy swapped",
    "decoy_drop": "decoy drop",
    "decoy_flip_rate": "flip rate",
    "decoy_driven_prototypes": "decoy-driven prototypes",
    "gap_closed": "gap closed",
    "decoy_share_input_x_gradient": "decoy share, input × gradient",
    "decoy_share_gradcam": "decoy share, Grad-CAM",
    "energy_in_mask": "energy in mask (Grad-CAM)",
    "case_shares.overall.right_accurate": "right & accurate",
}
# The questions the headline table answers, in its order (those the summary has).
# Decoy-driven prototypes (model criticism) beside the flip rate: the masks-free tool read on data
# where the answer is known (the base rate is 1/K; docs/criticism.md).
GLANCE = (
    "accuracy_consistent",
    "accuracy",
    "decoy_flip_rate",
    "decoy_driven_prototypes",
    "gap_closed",
    "case_shares.overall.right_accurate",
)


def label(path: str) -> str:
    if path in LABELS:
        return LABELS[path]
    parts = path.split(".")
    if parts[0] == "error_detection" and parts[-1] == "auroc":
        return f"AUROC, {parts[1].replace('_', '-')} detector"
    return path


def _number(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "n/a"
    text = f"{value:+.3f}" if signed else f"{value:.3f}"
    return text.replace("-", "−")


def _interval(ci: list[float] | None, signed: bool = False) -> str:
    return "–" if ci is None else f"[{_number(ci[0], signed)}, {_number(ci[1], signed)}]"


def mean_sd(stats: Mapping[str, Any]) -> str:
    """``0.412 ± 0.051`` (``0.412`` with one seed, ``n/a`` with none)."""
    if stats.get("mean") is None:
        return "n/a"
    return _number(stats["mean"]) if stats.get("sd") is None else f"{_number(stats['mean'])} ± {stats['sd']:.3f}"


def better_in(stats: Mapping[str, Any]) -> str:
    """``4/5`` (seeds where the model beats the baseline of the same seed), ``–`` when undefined."""
    paired = stats.get("vs_baseline") or {}
    return "–" if paired.get("better_in") is None else f"{paired['better_in']}/{paired['n']}"


def glance_columns(summary: Mapping[str, Any]) -> list[str]:
    models = summary["models"].values()
    return [path for path in GLANCE if any(path in row for row in models)]


def glance_table(summary: Mapping[str, Any]) -> str:
    """A row per model, a column per :data:`GLANCE` question: ``mean ± sd [t-interval] (better in k/n)``."""
    columns = glance_columns(summary)
    lines = ["| model | " + " | ".join(label(c) for c in columns) + " |", "|---|" + "---|" * len(columns)]
    for name, row in summary["models"].items():
        cells = []
        for column in columns:
            stats = row.get(column, {})
            wins = "" if name in (REFERENCE, NO_DECOY) or better_in(stats) == "–" else f" ({better_in(stats)})"
            cells.append(f"{mean_sd(stats)} {_interval(stats.get('ci95'))}{wins}" if stats else "–")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def sign_stable(stats: Mapping[str, Any]) -> bool:
    """The paired difference against the baseline has the same sign in every seed, and its
    t-interval excludes 0."""
    paired = stats.get("vs_baseline") or {}
    ci, diffs = paired.get("ci95"), [d for d in paired.get("differences", []) if d is not None]
    if ci is None or not diffs:
        return False
    same_sign = all(d > 0 for d in diffs) or all(d < 0 for d in diffs)
    return same_sign and (ci[0] > 0 or ci[1] < 0)


def conclusions(summary: Mapping[str, Any]) -> dict[str, list[str]]:
    """``{"sign_stable": [...], "mixed": [...]}``: one sentence per model trained on the decoyed
    data and :data:`GLANCE` question, comparing it with the baseline across the seeds."""
    found: dict[str, list[str]] = {"sign_stable": [], "mixed": []}
    for name, row in summary["models"].items():
        if name in (REFERENCE, NO_DECOY):
            continue
        for path in glance_columns(summary):
            stats = row.get(path)
            paired = (stats or {}).get("vs_baseline") or {}
            if paired.get("ci95") is None:
                continue
            if sign_stable(stats):
                higher = paired["mean"] > 0
                verdict = "" if not stats["direction"] else (" — better" if higher == (stats["direction"] == "higher") else " — worse")
                found["sign_stable"].append(
                    f"`{name}`: {label(path)} {'higher' if higher else 'lower'} than the {REFERENCE}'s in "
                    f"{paired['n']}/{paired['n']} seeds{verdict} (mean difference {_number(paired['mean'], True)}, "
                    f"95% t-interval {_interval(paired['ci95'], True)})."
                )
            else:
                found["mixed"].append(
                    f"`{name}`: {label(path)} mixed — {_direction_count(stats)} (mean difference "
                    f"{_number(paired['mean'], True)}, 95% t-interval {_interval(paired['ci95'], True)}"
                    f"{', includes 0' if paired['ci95'][0] <= 0 <= paired['ci95'][1] else ''})."
                )
    return found


def _direction_count(stats: Mapping[str, Any]) -> str:
    diffs = [d for d in stats["vs_baseline"]["differences"] if d is not None]
    up, down = sum(d > 0 for d in diffs), sum(d < 0 for d in diffs)
    return f"higher than the {REFERENCE}'s in {up}/{len(diffs)} seeds, lower in {down}/{len(diffs)}"


def champion_sentence(summary: Mapping[str, Any]) -> str:
    champion = summary.get("champion")
    picks = ", ".join(f"seed {seed}: {model}" for seed, model in summary.get("single_seed_champions", {}).items())
    if champion is None:
        return f"No champion across seeds (it needs two seeds or more). Each seed's own pick: {picks or 'none'}."
    return f"Champion across seeds: **{champion['model']}**, chosen {champion['criterion']}. Each seed's own pick: {picks}."


def summary_markdown(summary: Mapping[str, Any]) -> str:
    """``summary.md``: what it is, the headline table, the champion, what holds across seeds,
    then a table per headline metric with each seed's value."""
    seeds = summary["seeds"]
    lines = [f"# Across seeds: {len(seeds)} replicate(s), seeds {', '.join(map(str, seeds)) or 'none'}", ""]
    if not seeds:
        return "\n".join([*lines, "No replicate has finished yet: `make replicate` runs them.", ""])
    lines += [
        f"Each cell: mean ± sample sd over the seeds, then the {summary['interval']} in brackets; (k/n): the seeds "
        f"in which the model is better than the {REFERENCE} of the same seed (paired). A bootstrap CI of one run "
        "(metrics.json) holds no training variance; these intervals do.",
        "",
        f"Made from parameters `{summary['fingerprint']}` (summary.json: `parameters`), on "
        + "; ".join(f"{m['cpu']} ({m['torch_threads']} torch thread(s), torch {m['torch']})" for m in summary["machines"])
        + "."
        + (f" Seeds not finished: {summary['missing_seeds']}." if summary["missing_seeds"] else ""),
        "",
        glance_table(summary),
        "",
        champion_sentence(summary),
        "",
        "## What holds across seeds",
        "",
    ]
    found = conclusions(summary)
    lines += [f"- {s}" for s in found["sign_stable"]] or ["- Nothing is sign-stable across these seeds."]
    lines += ["", "Mixed (the sign of the difference depends on the seed, or its interval includes 0):", ""]
    lines += [f"- {s}" for s in found["mixed"]] or ["- Nothing."]
    for path in summary["headline"]:
        lines += ["", *_metric_table(summary, path)]
    return "\n".join(lines) + "\n"


def _metric_table(summary: Mapping[str, Any], path: str) -> list[str]:
    rows = [(name, row[path]) for name, row in summary["models"].items() if path in row]
    if not rows:
        return [f"## {label(path)}", "", "Not measured in these replicates."]
    lines = [
        f"## {label(path)} (`{path}`)",
        "",
        "| model | mean ± sd | 95% t-interval | difference vs baseline, mean [t-interval] | better in | per seed |",
        "|---|---|---|---|---|---|",
    ]
    for name, stats in rows:
        paired = stats.get("vs_baseline")
        versus = "–" if not paired else f"{_number(paired['mean'], True)} {_interval(paired['ci95'], True)}"
        per_seed = ", ".join(_number(v) for v in stats["values"])
        lines.append(f"| {name} | {mean_sd(stats)} | {_interval(stats['ci95'])} | {versus} | {better_in(stats)} | {per_seed} |")
    return lines


def summary_figure(summary: Mapping[str, Any]) -> Figure:
    """The forest plot of the gap closed (accuracy on data without decoys) across the seeds."""
    models = summary["models"]
    metric = "gap_closed" if any("gap_closed" in row for row in models.values()) else "accuracy"
    skip = (REFERENCE, NO_DECOY) if metric == "gap_closed" else ()
    title = f"{label(metric)} across {len(summary['seeds'])} seed(s)"
    return forest_plot(models, metric, title, skip=skip)
