"""Comparing trained models: per-image scores (:mod:`.scores`), estimates with CIs
(:mod:`.compare`), the champion (:mod:`.champion`) and the paper's tables (:mod:`.tables`)."""

from trustcnn.evaluation.bias import audit, bias_audit
from trustcnn.evaluation.champion import (
    ACROSS_SEEDS_CRITERION,
    CHAMPION_CRITERION,
    NO_DECOY,
    REFERENCE,
    choose_champion,
    choose_champion_across_seeds,
)
from trustcnn.evaluation.compare import compare_models, estimates, reliance, with_criticism, with_sections
from trustcnn.evaluation.headline import headline
from trustcnn.evaluation.per_image import SCORES, PerImageScore, Scores, register
from trustcnn.evaluation.scores import model_scores
from trustcnn.evaluation.tables import (
    RELIANCE_COLUMNS,
    TABLE1_COLUMNS,
    bias_markdown,
    error_detection_markdown,
    metrics_table,
    reliance_methods,
    robustness_markdown,
    summary_table,
    table1,
    table1_markdown,
    table3,
    table3_markdown,
)

__all__ = [
    "ACROSS_SEEDS_CRITERION",
    "CHAMPION_CRITERION",
    "NO_DECOY",
    "REFERENCE",
    "RELIANCE_COLUMNS",
    "SCORES",
    "TABLE1_COLUMNS",
    "PerImageScore",
    "Scores",
    "audit",
    "bias_audit",
    "bias_markdown",
    "choose_champion",
    "choose_champion_across_seeds",
    "compare_models",
    "error_detection_markdown",
    "estimates",
    "headline",
    "metrics_table",
    "model_scores",
    "register",
    "reliance",
    "reliance_methods",
    "robustness_markdown",
    "summary_table",
    "table1",
    "table1_markdown",
    "table3",
    "table3_markdown",
    "with_criticism",
    "with_sections",
]
