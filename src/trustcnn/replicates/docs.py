"""The result tables of the docs, written from the committed outputs — never typed.

    python -m trustcnn.replicates.docs           # make docs: rewrite docs/results.md and README.md's block
    python -m trustcnn.replicates.docs --check   # exit 1 when either differs from the outputs

``docs/results.md`` is generated whole: the headline across seeds (``summary.json``) with the
sentences that say what holds in every seed and what is mixed, the detectors across seeds, one
seed's table (``metrics.json``, labelled with its seed and CPU from ``machine.json``) and
``decoy_fashion`` across seeds beside the published numbers. ``README.md`` carries the headline
table between :data:`BEGIN` and :data:`END`. ``tests/test_docs_results.py`` fails while the
committed docs differ from what this writes.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from trustcnn.evaluation.champion import NO_DECOY, REFERENCE
from trustcnn.metrics import format_estimate
from trustcnn.replicates.report import champion_sentence, conclusions, glance_table, label, mean_sd
from trustcnn.runtime.atomic import atomic_path

BEGIN = "<!-- results:begin — written by `make docs` from the committed outputs; edits here fail tests/test_docs_results.py -->"
END = "<!-- results:end -->"
SUMMARY = Path("data/08_reporting/replicates/summary.json")
METRICS = Path("data/08_reporting/metrics.json")
MACHINE = Path("data/08_reporting/machine.json")
DECOY_FASHION = Path("data/envs/decoy_fashion/08_reporting/replicates/summary.json")
RESULTS = Path("docs/results.md")
README = Path("README.md")
# Test accuracy on decoy-random images as the papers report it: Ross et al. 2017 (Decoy MNIST, an
# MLP, one run) and Rieger et al. 2020 (CDEP, Table 3: mean ± sd over seeds). Theirs, not ours.
PUBLISHED = {
    "baseline": ("0.516", "0.601 ± 0.051"),
    "no_decoy": ("0.961", "–"),
    "rrr": ("0.961", "0.990 ± 0.010"),
}
PUBLISHED_ONLY = ("CDEP / expected gradients (Rieger et al.)", "–", "0.972 ± 0.008 / 0.978 ± 0.002")
SINGLE_SEED_COLUMNS = {
    "accuracy_consistent": "decoy consistent",
    "accuracy": "decoy random (= accuracy)",
    "decoy_flip_rate": "flip rate",
    "gap_closed": "gap closed",
    "right_accurate": "right & accurate",
}
DETECTORS = ("max_softmax", "stability", "conductance", "combined")
READING = [
    "- The trust losses train Grad-CAM maps, so Grad-CAM's energy in the mask, pointing game, IoU and the four "
    "cases grade a model on what it was optimised to show. Reliance on the decoy is judged without a trained map: "
    "accuracy on the decoy views, the flip rate, the gap closed and an untrained attribution's decoy share.",
    "- Energy in the mask has a ceiling below 1 here: the Grad-CAM grid is coarse (8×8 for 32-pixel images) and the "
    "mask is thin strokes, so even a perfect coarse map spreads mass off the digit.",
    "- The grid selects each variant's point on the validation split, whose decoys are as informative as in "
    "training, so it favours points that keep the shortcut; select on decoy-free validation data where you have it.",
]


def _read(root: Path, path: Path) -> Any:
    return json.loads((root / path).read_text(encoding="utf-8")) if (root / path).is_file() else None


def _cpu(machine: Mapping[str, Any]) -> str:
    vector = f" ({machine['vector_extensions']})" if machine.get("vector_extensions") else ""
    return f"{machine['cpu']}{vector}, {machine['torch_threads']} torch thread(s)"


def _machine(machines: list[Mapping[str, Any]]) -> str:
    return "; ".join(_cpu(m) for m in machines) or "an unrecorded machine"


def across_seeds(summary: Mapping[str, Any] | None, what: str) -> list[str]:
    """The headline across seeds: intro, table, champion, then :func:`what_holds`."""
    if not summary or not summary.get("seeds"):
        return [f"No replicates of {what} are committed yet: `make replicate` runs them (docs/replicates.md)."]
    seeds = summary["seeds"]
    return [
        f"{len(seeds)} replicates of {what}, seeds {', '.join(map(str, seeds))}, on {_machine(summary['machines'])}. "
        f"Each cell: mean ± sd over the seeds [{summary['interval']}] (k/n: seeds in which the model is better than "
        f"the {REFERENCE} of the same seed).",
        "",
        glance_table(summary),
        "",
        champion_sentence(summary),
        "",
        *what_holds(summary),
    ]


def what_holds(summary: Mapping[str, Any]) -> list[str]:
    """The generated sentences: sign-stable against the baseline, then mixed."""
    found = conclusions(summary)
    return [
        "**What holds in every seed** (the paired difference against the baseline has one sign in every seed and "
        "its t-interval excludes 0 — these are the conclusions that must hold on another CPU too):",
        "",
        *([f"- {s}" for s in found["sign_stable"]] or ["- nothing."]),
        "",
        "**Mixed** (the sign depends on the seed, or the interval includes 0):",
        "",
        *([f"- {s}" for s in found["mixed"]] or ["- nothing."]),
    ]


def detectors_across_seeds(summary: Mapping[str, Any] | None) -> list[str]:
    if not summary or not summary.get("seeds"):
        return []
    paths = [f"error_detection.{d}.auroc" for d in DETECTORS]
    rows = [(name, row) for name, row in summary["models"].items() if any(p in row for p in paths)]
    if not rows:
        return []
    lines = ["| model | " + " | ".join(label(p) for p in paths) + " |", "|---|" + "---|" * len(paths)]
    lines += [f"| {name} | " + " | ".join(mean_sd(row[p]) if p in row else "–" for p in paths) + " |" for name, row in rows]
    return ["### Error detectors across seeds (AUROC, mean ± sd over seeds)", "", *lines]


def one_seed(metrics: Mapping[str, Any] | None, machine: Mapping[str, Any] | None) -> list[str]:
    """One run's table, labelled as one seed: test-set bootstrap CIs hold no training variance."""
    if not metrics:
        return ["No single-seed outputs are committed (`make run` writes data/08_reporting/metrics.json)."]
    where = "an unrecorded seed and CPU" if not machine else (f"seed {machine['seed']}, on {_cpu(machine)}")
    lines = [
        f"**One seed** — `make run`'s committed outputs ({where}): value [95% bootstrap CI over the test images]. "
        "These intervals hold no training variance: another seed or another CPU moves the numbers beyond them.",
        "",
        "| model | " + " | ".join(SINGLE_SEED_COLUMNS.values()) + " |",
        "|---|" + "---|" * len(SINGLE_SEED_COLUMNS),
    ]
    for name, row in metrics["models"].items():
        cells = []
        for key in SINGLE_SEED_COLUMNS:
            estimate = row.get("case_shares", {}).get("overall", {}).get(key) if key == "right_accurate" else row.get(key)
            cells.append(format_estimate(estimate) if estimate else "–")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    champion = metrics["champion"]
    how = f"across seeds {champion['seeds']}" if "seeds" in champion else "by this run's single-seed rule"
    return [*lines, "", f"Champion named by this run ({how}): **{champion['model']}**."]


def _weights(parameters: Mapping[str, Any], name: str) -> str:
    trust = (parameters.get(name) or {}).get("trust") or {}
    shown = [f"{key} = {trust[key]:g}" for key in ("lam", "w_mask", "w_rrr", "w_rrr_gradcam") if trust.get(key)]
    return f" ({', '.join(shown)})" if shown else ""


def decoy_fashion(summary: Mapping[str, Any] | None) -> list[str]:
    """``decoy_fashion`` across seeds (mean ± sd) beside Ross et al.'s and Rieger et al.'s numbers."""
    if not summary or not summary.get("seeds"):
        return ["No replicates of `decoy_fashion` are committed yet: `make replicate KEDRO_ENV=decoy_fashion` runs them."]
    columns = ("accuracy", "accuracy_consistent", "decoy_flip_rate", "gap_closed")
    n = len(summary["seeds"])
    lines = [
        f"{n} seeds ({', '.join(map(str, summary['seeds']))}), on {_machine(summary['machines'])}; ours: mean ± sd over "
        "seeds. The published columns are the papers' own numbers (test accuracy with the decoy random), not ours.",
        "",
        "| model | Ross et al. 2017 (MNIST, MLP) | Rieger et al. 2020 (CDEP, mean ± sd) | "
        + " | ".join(f"ours: {label(c)}" for c in columns)
        + " |",
        "|---|---|---|" + "---|" * len(columns),
    ]
    for name, row in summary["models"].items():
        ross, rieger = PUBLISHED.get(name, ("–", "–"))
        shown = {REFERENCE: "plain (cross entropy)", NO_DECOY: "no-decoy reference"}.get(name, f"`{name}`")
        cells = [mean_sd(row[c]) if c in row else "–" for c in columns]
        lines.append(f"| {shown}{_weights(summary['parameters'], name)} | {ross} | {rieger} | " + " | ".join(cells) + " |")
    lines.append(f"| {PUBLISHED_ONLY[0]} | {PUBLISHED_ONLY[1]} | {PUBLISHED_ONLY[2]} |" + " – |" * len(columns))
    return [*lines, "", *what_holds(summary)]


def results_page(root: Path) -> str:
    summary, decoy = _read(root, SUMMARY), _read(root, DECOY_FASHION)
    lines = [
        "# Results",
        "",
        "<!-- Written by `make docs` (python -m trustcnn.replicates.docs) from the committed outputs: "
        f"{SUMMARY}, {METRICS}, {MACHINE}, {DECOY_FASHION}. Do not edit: tests/test_docs_results.py fails when this "
        "page differs from them. -->",
        "",
        "One seed is one draw: a seed, or a CPU that sums in another order, trains other models, and a bootstrap CI "
        "over the test images holds none of that variance. So the headline is across seeds (`make replicate`, "
        "[replicates.md](replicates.md)), and a sentence here says only what holds in every seed.",
        "",
        "## The embedded default across seeds",
        "",
        *across_seeds(summary, "`make run`'s experiment"),
        "",
        *detectors_across_seeds(summary),
        "",
        "## The embedded default, one seed",
        "",
        *one_seed(_read(root, METRICS), _read(root, MACHINE)),
        "",
        "## Reading these numbers",
        "",
        *READING,
        "",
        "## decoy_fashion across seeds, beside the published numbers",
        "",
        *decoy_fashion(decoy),
    ]
    return "\n".join(_squeeze(lines)) + "\n"


def readme_block(root: Path) -> str:
    summary = _read(root, SUMMARY)
    if not summary or not summary.get("seeds"):
        machine = _read(root, MACHINE)
        body = [
            "No results across seeds are committed yet (`make replicate`). One seed"
            + (f" (seed {machine['seed']}, {machine['cpu']})" if machine else "")
            + ", and why one is not enough: [docs/results.md](docs/results.md)."
        ]
    else:
        body = [
            f"**Across {len(summary['seeds'])} seeds** (mean ± sd [95% t-interval over seeds]; k/n: seeds in which the "
            f"model beats the {REFERENCE} of the same seed), on {_machine(summary['machines'])}:",
            "",
            glance_table(summary),
            "",
            f"Champion across seeds (`@champion` in the MLflow registry): **{(summary.get('champion') or {}).get('model', 'none')}**. "
            "What holds in every seed, what is mixed, one seed's numbers and `decoy_fashion`: [docs/results.md](docs/results.md).",
        ]
    return "\n".join([BEGIN, *body, END])


def _squeeze(lines: list[str]) -> list[str]:
    """No two blank lines in a row (sections that have nothing to say leave none)."""
    out: list[str] = []
    for line in lines:
        if not (line == "" and out and out[-1] == ""):
            out.append(line)
    return out


def with_block(readme: str, block: str) -> str:
    """``readme`` with the text between :data:`BEGIN` and :data:`END` replaced by ``block``."""
    start, end = readme.find(BEGIN), readme.find(END)
    if start < 0 or end < start:
        raise ValueError(f"{README} has no generated block: put {BEGIN!r} … {END!r} where the results go")
    return readme[:start] + block + readme[end + len(END) :]


def expected(root: Path) -> dict[Path, str]:
    """Each generated file's text as it must be."""
    return {RESULTS: results_page(root), README: with_block((root / README).read_text(encoding="utf-8"), readme_block(root))}


def stale(root: Path) -> dict[Path, str]:
    """The generated files that differ from the outputs, each with a unified diff."""
    found = {}
    for path, text in expected(root).items():
        current = (root / path).read_text(encoding="utf-8") if (root / path).is_file() else ""
        if current != text:
            diff = difflib.unified_diff(
                current.splitlines(), text.splitlines(), f"{path} (committed)", f"{path} (from the outputs)", lineterm=""
            )
            found[path] = "\n".join(diff)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m trustcnn.replicates.docs", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 when a file differs")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the project root")
    args = parser.parse_args(argv)
    if args.check:
        differing = stale(args.root)
        for path, diff in differing.items():
            print(f"{path} differs from the committed outputs (make docs rewrites it):\n{diff}", file=sys.stderr)
        return 1 if differing else 0
    for path, text in expected(args.root).items():
        with atomic_path(args.root / path) as tmp:
            tmp.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
