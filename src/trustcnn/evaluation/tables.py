"""The paper's Tables 1 and 3 for this data, and Markdown renderings of the estimates."""

from __future__ import annotations

from collections.abc import Mapping

from trustcnn.evaluation.champion import NO_DECOY
from trustcnn.metrics import CASES

# The paper's Table 1: classification with CIs and SSIM against the baseline's maps; we add
# energy in mask because it says whether a map points at the object at all.
TABLE1_COLUMNS = ("accuracy", "precision", "recall", "ssim_vs_baseline", "energy_in_mask")
# Reliance on the decoy, from predictions and an untrained attribution (beside Grad-CAM's).
RELIANCE_COLUMNS = (
    "accuracy_consistent", "accuracy", "accuracy_swapped", "decoy_drop", "decoy_flip_rate", "gap_closed",
    "decoy_share_input_x_gradient", "decoy_share_gradcam",
)


def format_estimate(estimate: Mapping) -> str:
    """``value [lo, hi]`` to three decimals, ``n/a`` for an estimate without a value."""
    if estimate.get("value") is None:
        return "n/a"
    lo, hi = estimate["ci95"]
    return f"{estimate['value']:.3f} [{lo:.3f}, {hi:.3f}]"


def table1(report: Mapping) -> dict:
    """The paper's Table 1 for this data: :data:`TABLE1_COLUMNS` of every model, and beside
    it, on data with decoys, the :data:`RELIANCE_COLUMNS` (under ``reliance``)."""
    def pick(columns: tuple[str, ...]) -> dict:
        return {name: {c: row[c] for c in columns if c in row} for name, row in report["models"].items()}

    table = {"models": pick(TABLE1_COLUMNS), "champion": report["champion"]}
    if any("decoy_flip_rate" in row for row in report["models"].values()):
        table["reliance"] = pick(RELIANCE_COLUMNS)
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
    return {
        "models": {name: row["case_shares"] for name, row in report["models"].items() if "case_shares" in row}
    }


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


def metrics_table(report: Mapping, title: str | None = None) -> str:
    """A Markdown table of :func:`~trustcnn.evaluation.compare_models`' estimates (value [95% CI])."""
    models = report["models"]
    columns = list(
        dict.fromkeys(key for row in models.values() for key, value in row.items() if "value" in value)
    )
    lines = [f"## {title}", ""] if title else []
    lines += [
        "| model | " + " | ".join(columns) + " |",
        "|---|" + "---|" * len(columns),
    ]
    for name, row in models.items():
        lines.append(f"| {name} | " + " | ".join(format_estimate(row[c]) if c in row else "n/a" for c in columns) + " |")
    return "\n".join(lines) + "\n\nValues are point estimates with 95% bootstrap confidence intervals on the test split.\n"
