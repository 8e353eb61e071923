"""The few numbers per model that ``dvc metrics show`` lists (one file per model, so the table
has a row per model and a handful of columns); ``metrics.json`` keeps everything."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from trustcnn.evaluation.per_image import SCORES

HEADLINE = {  # column → the metrics.json estimate it reports; then the registered scores' `headline`
    "accuracy": "accuracy",
    "decoy_drop": "decoy_drop",
    "gap_closed": "gap_closed",
    "flip_rate": "decoy_flip_rate",
    "decoy_driven_prototypes": "decoy_driven_prototypes",  # model criticism: prototypes that carry their class's decoy
}


def headline_columns() -> dict[str, str]:
    """:data:`HEADLINE`, then each registered per-image score's headline column (e.g. ``energy``)."""
    return HEADLINE | {score.headline: score.row_keys[0] for score in SCORES.values() if score.headline}


def headline(metrics: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """``{model: {"accuracy", "acc_lo", "acc_hi", "decoy_drop", "gap_closed", "flip_rate",
    "decoy_driven_prototypes", then the registered scores' (``energy``), "champion"}}``, values
    rounded to 4 places (``None`` where undefined)."""

    def rounded(value: float | None) -> float | None:
        return None if value is None else round(float(value), 4)

    rows = {}
    for name, row in metrics["models"].items():
        values = {column: rounded(row.get(key, {}).get("value")) for column, key in headline_columns().items()}
        low, high = row["accuracy"]["ci95"]
        values = {"accuracy": values.pop("accuracy"), "acc_lo": rounded(low), "acc_hi": rounded(high), **values}
        rows[name] = {**values, "champion": name == metrics["champion"]["model"]}
    return rows
