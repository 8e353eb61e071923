"""Everything trustcnn records in MLflow, in one place (plain MLflow, no Kedro): runs and
their metrics (:mod:`.runs`), logged and registered models (:mod:`.models`), provenance tags
(:mod:`.provenance`) and what each step of the experiment records (:mod:`.reports`). No
pipeline node calls MLflow itself."""

from trustcnn.tracking.models import CHAMPION, DEFAULT_EXPERIMENT, log_torch_model, registered_name, set_champion
from trustcnn.tracking.provenance import SEED_TAG, data_tags, dvc_md5, git_tags, is_provenance_tag, seed_tags
from trustcnn.tracking.reports import (
    GridRuns,
    log_backbone,
    log_comparison,
    log_criticism,
    log_model_figures,
    log_replicates,
    log_study,
    log_training,
)
from trustcnn.tracking.runs import (
    flatten,
    log_epoch,
    log_figure,
    log_history,
    log_params,
    model_run,
    parent_run_name,
    tag_active_run,
)

__all__ = [
    "CHAMPION",
    "DEFAULT_EXPERIMENT",
    "SEED_TAG",
    "GridRuns",
    "data_tags",
    "dvc_md5",
    "flatten",
    "git_tags",
    "is_provenance_tag",
    "log_backbone",
    "log_comparison",
    "log_criticism",
    "log_epoch",
    "log_figure",
    "log_history",
    "log_model_figures",
    "log_params",
    "log_replicates",
    "log_study",
    "log_torch_model",
    "log_training",
    "model_run",
    "parent_run_name",
    "registered_name",
    "seed_tags",
    "set_champion",
    "tag_active_run",
]
