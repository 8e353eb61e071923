"""The criticism of every model as one report (``criticism.json``, ``criticism.md``), its
numbers in ``metrics.json``, and the table of ``docs/criticism.md``, written from them."""

from __future__ import annotations

from collections.abc import Mapping

METRICS = ("decoy_driven_prototypes", "misclassified_criticisms")
"""The per-model estimates a criticism report puts into its model's row of ``metrics.json``."""


def metrics_entries(report: Mapping) -> dict:
    """A model's row additions: :data:`METRICS` (``{"value", "ci95", "n", …}``) and, under
    ``criticism``, the per-class shares (the selected images themselves stay in criticism.json)."""
    summary = report["summary"]
    per_class = {
        label: {
            key: row[key]
            for key in (
                "decoy_consistent_prototypes",
                "decoy_consistent_base_rate",
                "misclassified_criticisms",
                "error_rate",
                "decoy_share",
            )
        }
        for label, row in report["classes"].items()
    }
    return {
        **{key: summary[key] for key in METRICS},
        "criticism": {"decoy_share": summary["decoy_share"], "kernel": report["kernel"], "per_class": per_class},
    }


def _number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _estimate(estimate: Mapping) -> str:
    if estimate.get("value") is None:
        return "n/a"
    lo, hi = estimate["ci95"]
    return f"{estimate['value']:.3f} [{lo:.3f}, {hi:.3f}]"


def model_rows(reports: Mapping[str, Mapping]) -> list[str]:
    """One Markdown row per model: decoy-driven prototypes (Wilson 95% CI) | base rate |
    misclassified criticisms | error rate | decoy share of the first method's maps."""
    rows = []
    for name, report in reports.items():
        summary, method = report["summary"], report["methods"][0]
        drive, wrong, share = summary["decoy_driven_prototypes"], summary["misclassified_criticisms"], summary["decoy_share"][method]
        cells = (
            _estimate(drive),
            _number(drive["base_rate"]),
            _estimate(wrong),
            _number(wrong["error_rate"]),
            f"{_number(share['prototypes'])} / {_number(share['criticisms'])}",
        )
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    return rows


HEADER = [
    "| model | decoy-driven prototypes | base rate | misclassified criticisms | error rate | decoy share of maps (prototypes / criticisms) |",
    "|---|---|---|---|---|---|",
]


def criticism_markdown(reports: Mapping[str, Mapping]) -> str:
    """``criticism.md``: the models side by side, then every class of every model."""
    if not reports:
        return "# Model criticism\n\nNo model was criticised.\n"
    first = next(iter(reports.values()))
    lines = [
        "# Model criticism: MMD-critic prototypes and criticisms in each model's features (test split)",
        "",
        f"{first['prototypes_per_class']} prototypes and {first['criticisms_per_class']} criticisms per class; "
        f"{first['kernel']} RBF kernel, criticisms regularised by {first['regularizer']}; features: {first['features']['what']}. "
        f"Maps: {first['methods'][0]}.",
        "",
        *HEADER,
        *model_rows(reports),
        "",
        "Decoy-driven prototypes: the share of prototypes whose decoy has their own class's colour (Wilson 95% CI); base "
        "rate: what prototypes drawn at random within the same classes would show. Misclassified criticisms beside the "
        "error rate of the same classes.",
        "",
        "## Per class",
        "",
        "| model | class | images | decoy-consistent prototypes | base rate | misclassified criticisms | error rate |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, report in reports.items():
        for label, row in report["classes"].items():
            cells = (
                str(row["n_images"]),
                _number(row["decoy_consistent_prototypes"]),
                _number(row["decoy_consistent_base_rate"]),
                _number(row["misclassified_criticisms"]),
                _number(row["error_rate"]),
            )
            lines.append(f"| {name} | {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def docs_table(metrics: Mapping) -> str:
    """The results table of ``docs/criticism.md``, from a ``metrics.json`` (the committed one):
    each model's decoy-driven prototypes beside its decoy flip rate."""
    models = {name: row for name, row in metrics["models"].items() if "decoy_driven_prototypes" in row}
    if not models:
        return "Not measured yet: `metrics.json` has no criticism (run `make run`, then `python -m trustcnn.criticism.docs`).\n"
    lines = [
        "| model | decoy-driven prototypes | base rate | decoy flip rate | misclassified criticisms | error rate |",
        "|---|---|---|---|---|---|",
    ]
    for name, row in models.items():
        drive, wrong = row["decoy_driven_prototypes"], row["misclassified_criticisms"]
        flip = row.get("decoy_flip_rate", {"value": None})
        cells = (_estimate(drive), _number(drive["base_rate"]), _estimate(flip), _estimate(wrong), _number(wrong["error_rate"]))
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
