"""Comparing trained models: per-image scores (:mod:`.scores`), estimates with CIs
(:mod:`.compare`), the champion (:mod:`.champion`) and the paper's tables (:mod:`.tables`)."""

from trustcnn.evaluation.champion import CHAMPION_CRITERION, NO_DECOY, REFERENCE, choose_champion
from trustcnn.evaluation.compare import compare_models, estimates, localisation, reliance
from trustcnn.evaluation.scores import Scores, model_scores
from trustcnn.evaluation.tables import (
    RELIANCE_COLUMNS,
    TABLE1_COLUMNS,
    format_estimate,
    metrics_table,
    table1,
    table1_markdown,
    table3,
    table3_markdown,
)

__all__ = [
    "CHAMPION_CRITERION",
    "NO_DECOY",
    "REFERENCE",
    "RELIANCE_COLUMNS",
    "TABLE1_COLUMNS",
    "Scores",
    "choose_champion",
    "compare_models",
    "estimates",
    "format_estimate",
    "localisation",
    "metrics_table",
    "model_scores",
    "reliance",
    "table1",
    "table1_markdown",
    "table3",
    "table3_markdown",
]
