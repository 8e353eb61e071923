"""Project pipelines.

``transfer`` (also ``__default__``) is the whole experiment: ingestion → baseline (and
the no-decoy reference) → trust variants → saliency, error detection, robustness →
evaluation (with the bias audit) → user study (its sample, and the analysis of whatever
answers there are) and the annotation task's package (training images to mark). Each stage is registered on its own too, so DVC
stages and users can run them separately. The trust variants are the ``trust_variants``
parameter: each is the one trust pipeline under its own namespace.
"""

from __future__ import annotations

import os
from pathlib import Path

from kedro.config import OmegaConfigLoader
from kedro.framework.project import settings
from kedro.pipeline import Pipeline
from kedro.utils import find_kedro_project

from trustcnn.evaluation import NO_DECOY, REFERENCE

TRAINED_BY_BASELINE = (REFERENCE, NO_DECOY)


def trust_variants() -> tuple[str, ...]:
    """``trust_variants`` from ``conf/base`` + the environment ``KEDRO_ENV`` names (default
    ``conf/local``). Pipelines are built before a run's ``--env``/``--params`` are known, so
    an environment with its own list (``conf/decoy_fashion``) is chosen with ``KEDRO_ENV``;
    :class:`~trustcnn.hooks.VariantListCheck` stops a run whose list differs from this one."""
    root = find_kedro_project(Path.cwd()) or Path.cwd()
    env = os.environ.get("KEDRO_ENV") or "local"
    loader = OmegaConfigLoader(str(root / settings.CONF_SOURCE), base_env="base", default_run_env=env)
    variants = loader["parameters"].get("trust_variants", [])
    if not variants or len(set(variants)) != len(variants) or set(variants) & set(TRAINED_BY_BASELINE):
        raise ValueError(f"trust_variants must be distinct names other than {TRAINED_BY_BASELINE}, got {variants!r}")
    return tuple(variants)



def register_pipelines() -> dict[str, Pipeline]:
    from trustcnn.pipelines.annotation import pipeline as annotation
    from trustcnn.pipelines.baseline import pipeline as baseline
    from trustcnn.pipelines.error_detection import pipeline as error_detection
    from trustcnn.pipelines.evaluation import pipeline as evaluation
    from trustcnn.pipelines.ingestion import pipeline as ingestion
    from trustcnn.pipelines.robustness import pipeline as robustness
    from trustcnn.pipelines.saliency import pipeline as saliency
    from trustcnn.pipelines.trust import pipeline as trust
    from trustcnn.pipelines.user_study import pipeline as user_study

    variants = trust_variants()
    models = (*TRAINED_BY_BASELINE, *variants)
    stages = {
        "ingestion": ingestion.create_pipeline(),
        "baseline": baseline.create_pipeline(),
        "trust": trust.create_pipeline(variants=variants),
        "saliency": saliency.create_pipeline(models=models),
        "error_detection": error_detection.create_pipeline(models=models),
        "robustness": robustness.create_pipeline(models=models),
        "evaluation": evaluation.create_pipeline(models=models),
        "user_study": user_study.create_pipeline(models=models),
        "annotation": annotation.create_pipeline(models=models),
    }
    transfer = sum(stages.values(), Pipeline([]))
    return {**stages, "transfer": transfer, "__default__": transfer}
