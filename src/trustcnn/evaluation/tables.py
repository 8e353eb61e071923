"""The paper's Tables 1 and 3 for this data, and Markdown renderings of the estimates."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

from trustcnn.config import SaliencyConfig
from trustcnn.evaluation.champion import NO_DECOY
from trustcnn.evaluation.per_image import SCORES, PerImageScore
from trustcnn.metrics import CASES, format_estimate
from trustcnn.parameters import field

# The paper's Table 1: classification with CIs, then the registered per-image scores that say
# `table1` (SSIM against the baseline's maps; energy in mask, because it says whether a map
# points at the object at all).
TABLE1_COLUMNS = ("accuracy", "precision", "recall")
# Reliance on the decoy, from predictions; then the registered scores that need decoys (the
# decoy share of an untrained attribution, beside the compared method's).
RELIANCE_COLUMNS = ("accuracy_consistent", "accuracy", "accuracy_swapped", "decoy_drop", "decoy_flip_rate", "gap_closed")


# The printed summary (metrics.md): a column per question, the champion named under it; then
# the registered scores' columns (`column`). energy_in_mask is the energy-based pointing game by
# definition (Σ map·mask / Σ map), which metrics.json also lists as energy_pointing_game; the
# summary shows it once.
SUMMARY_COLUMNS = {
    "accuracy": ("accuracy",),
    "decoy flip rate": ("decoy_flip_rate",),
    "decoy-driven prototypes": ("decoy_driven_prototypes",),
    "gap closed": ("gap_closed",),
}


def summary_columns() -> dict[str, tuple[str, ...]]:
    """The printed summary's columns (:data:`SUMMARY_COLUMNS`, then the registered scores'), by
    the path of the estimate each reads in a model's row."""
    return SUMMARY_COLUMNS | {score.column: score.shown_at for score in SCORES.values() if score.column}


def table1_columns(methods: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Table 1's columns and its reliance part's: the built-in ones, then each registered score
    that says ``table1`` (one for each of ``methods`` when it is scored on every method)."""

    def columns(score: PerImageScore) -> tuple[str, ...]:
        key = score.row_keys[0]
        return tuple(f"{key}_{m}" for m in methods) if score.on == "each" else (key,)

    shown = [score for score in SCORES.values() if score.table1]
    main = sum((columns(score) for score in shown if "decoys" not in score.needs), TABLE1_COLUMNS)
    return main, sum((columns(score) for score in shown if "decoys" in score.needs), RELIANCE_COLUMNS)


def reliance_methods(saliency: SaliencyConfig, parameters: Mapping[str, Any]) -> list[str]:
    """The maps whose decoy share Table 1 shows beside reliance: each of ``extra_methods`` that no
    trust variant (``trust_variants``, ``human_mask_variants``; ``parameters`` as the run reads
    them, ``trust_defaults`` laid in) trains its maps with — an attribution without trained
    maps — then the compared ``method``."""
    variants = [name for names in ("trust_variants", "human_mask_variants") for name in parameters.get(names) or []]
    trained = {field(field(parameters.get(name), "trust"), "saliency_method") for name in variants}
    return [m for m in saliency.extra_methods if m not in trained and m != saliency.method] + [saliency.method]


def table1(report: Mapping, methods: Sequence[str]) -> dict:
    """The paper's Table 1 for this data: :func:`table1_columns` of every model, and beside it,
    on data with decoys, the reliance columns (under ``reliance``); ``methods``: the maps whose
    per-method scores it shows (:func:`reliance_methods`)."""
    main, reliance = table1_columns(methods)

    def pick(columns: tuple[str, ...]) -> dict:
        return {name: {c: row[c] for c in columns if c in row} for name, row in report["models"].items()}

    table = {"models": pick(main), "champion": report["champion"]}
    if any("decoy_flip_rate" in row for row in report["models"].values()):
        table["reliance"] = pick(reliance)
    return table


def table1_markdown(table: Mapping) -> str:
    text = metrics_table(table, "Table 1: classification (95% CI) and maps vs the baseline's, test split")
    if "reliance" in table:
        title = (
            "Reliance on the decoy, without trained maps: accuracy on the decoy views (accuracy = random view), "
            f"flip rate consistent → swapped, share of the gap to {NO_DECOY} closed, decoy share of each map"
        )
        text += "\n" + metrics_table({"models": table["reliance"]}, title)
    return text


def table3(report: Mapping) -> dict:
    """The paper's Table 3 for this data: the four cases' shares per model."""
    return {"models": {name: row["case_shares"] for name, row in report["models"].items() if "case_shares" in row}}


def table3_markdown(table: Mapping, accurate_energy: float) -> str:
    lines = [
        f"## Table 3: label right/wrong × map accurate (energy in mask ≥ {accurate_energy:g}) or not, test split",
        "",
        "| model | " + " | ".join(CASES) + " |",
        "|---|" + "---|" * len(CASES),
    ]
    for name, shares in table["models"].items():
        lines.append(f"| {name} | " + " | ".join(format_estimate(shares["overall"][c]) for c in CASES) + " |")
    lines += ["", "Shares of test images with 95% bootstrap confidence intervals.", "", "### Per class", ""]
    lines += ["| model | class | " + " | ".join(CASES) + " |", "|---|---|" + "---|" * len(CASES)]
    for name, shares in table["models"].items():
        for label, row in shares["per_class"].items():
            lines.append(f"| {name} | {label} | " + " | ".join(f"{row[c]:.3f}" for c in CASES) + " |")
    return "\n".join(lines) + "\n\nShares of each class's test images.\n"


def summary_table(report: Mapping, width: int = 100) -> str:
    """What ``make run`` prints: each model's answer to each question (value [95% CI], two
    decimals; columns no model has are left out), then the champion and why. Every estimate
    is in metrics.json, Table 1 and Table 3."""

    def find(row: Mapping | None, path: tuple[str, ...]) -> Mapping | None:
        for key in path:
            row = row.get(key) if isinstance(row, Mapping) else None
        return row if isinstance(row, Mapping) and "value" in row else None

    def cell(estimate: Mapping | None) -> str:
        if estimate is None or estimate.get("value") is None:
            return "n/a"
        lo, hi = estimate["ci95"]
        return f"{estimate['value']:.2f} [{lo:.2f},{hi:.2f}]"

    models, shown = report["models"], summary_columns()
    columns = [c for c, path in shown.items() if any(find(row, path) for row in models.values())]
    rows = [["model", *columns]] + [[name, *(cell(find(row, shown[c])) for c in columns)] for name, row in models.items()]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"

    champion = report["champion"]
    lines = ["## Results on the test split (95% bootstrap CI)", "", line(rows[0]), line(["-" * w for w in widths])]
    lines += [line(row) for row in rows[1:]]
    across = f" (across seeds {champion['seeds']}; this run alone: {champion['this_seed']['model']})" if "seeds" in champion else ""
    lines += ["", f"Champion (@champion in the MLflow registry): {champion['model']}{across}"]
    lines += textwrap.wrap(f"Chosen {champion['criterion']}.", width)
    lines += [
        "",
        *textwrap.wrap(
            "Every estimate with its CI: metrics.json, table1.md, table3.md. energy in mask is the energy-based "
            "pointing game (metrics.json has it under both names).",
            width,
        ),
    ]
    return "\n".join(lines) + "\n"


def metrics_table(report: Mapping, title: str | None = None) -> str:
    """A Markdown table of :func:`~trustcnn.evaluation.compare_models`' estimates (value [95% CI])."""
    models = report["models"]
    columns = list(dict.fromkeys(key for row in models.values() for key, value in row.items() if "value" in value))
    lines = [f"## {title}", ""] if title else []
    lines += [
        "| model | " + " | ".join(columns) + " |",
        "|---|" + "---|" * len(columns),
    ]
    for name, row in models.items():
        lines.append(f"| {name} | " + " | ".join(format_estimate(row[c]) if c in row else "n/a" for c in columns) + " |")
    return "\n".join(lines) + "\n\nValues are point estimates with 95% bootstrap confidence intervals on the test split.\n"


def error_detection_markdown(report: Mapping) -> str:
    """Each model's detectors: AUROC at finding its wrong test predictions, and accuracy on
    the predictions kept at the configured coverage."""
    lines = ["## Error detection: AUROC for wrong predictions, and accuracy when the most suspect are discarded", ""]
    lines += ["| model | detector | AUROC | accuracy kept | coverage |", "|---|---|---|---|---|"]
    for name, row in report["models"].items():
        for detector, result in row.get("error_detection", {}).items():
            if "note" in result:
                lines.append(f"| {name} | {detector} | n/a | n/a | {result['note']} |")
            else:
                cells = (format_estimate(result["auroc"]), format_estimate(result["accuracy_at_coverage"]), f"{result['coverage']:g}")
                lines.append(f"| {name} | {detector} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + (
        "\n\nTest predictions, each scored by learnt detectors that never saw it (`error_detection.fit_on`); 95% bootstrap CIs.\n"
    )


def robustness_markdown(report: Mapping) -> str:
    """Accuracy under each attack, how far the maps move, and the detectors on the strongest."""
    lines = ["## Robustness: accuracy under attack and how far the maps move (ε in 1/255)", ""]
    lines += [
        "| model | attack | accuracy | SSIM clean vs adversarial | energy in mask (clean → adversarial) | detectors' AUROC |",
        "|---|---|---|---|---|---|",
    ]
    for name, row in report["models"].items():
        for attack, result in row.get("robustness", {}).items():
            energy = (
                f"{format_estimate(result['energy_in_mask_clean'])} → {format_estimate(result['energy_in_mask_adversarial'])}"
                if "energy_in_mask_clean" in result
                else "n/a"
            )
            flags = ", ".join(f"{d} {format_estimate(r['auroc'])}" for d, r in result.get("detector_auroc", {}).items() if "auroc" in r)
            cells = (format_estimate(result["accuracy"]), format_estimate(result["ssim_clean_vs_adversarial"]), energy, flags or "–")
            lines.append(f"| {name} | {attack} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n\nDetectors' AUROC: adversarial images now predicted wrong vs clean images predicted right.\n"


def bias_markdown(report: Mapping) -> str:
    """Where each model's saliency goes, overall and the flagged classes."""
    lines = ["## Bias audit: share of saliency on the object, on the decoy, elsewhere", ""]
    lines += ["| model | method | object | decoy | elsewhere | classes flagged |", "|---|---|---|---|---|---|"]
    for name, row in report["models"].items():
        for method, audit in row.get("bias", {}).items():
            overall = audit["overall"]
            cells = [format_estimate(overall[r]) if r in overall else "n/a" for r in ("object", "decoy", "elsewhere")]
            flagged = [c for c, values in audit["per_class"].items() if values.get("flagged")]
            lines.append(f"| {name} | {method} | " + " | ".join(cells) + f" | {', '.join(flagged) or 'none'} |")
    return (
        "\n".join(lines) + "\n\nA class is flagged when its decoy share is at least `flag_ratio` × the decoy's share of the image area.\n"
    )
