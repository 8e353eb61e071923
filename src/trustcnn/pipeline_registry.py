"""Project pipelines.

``transfer`` (also ``__default__``) is the whole experiment: ingestion → baseline (and
the no-decoy reference) → trust variants → saliency, error detection, robustness, criticism →
evaluation (with the bias audit) → user study (its sample, and the analysis of whatever
answers there are) and the annotation task's package (training images to mark). Each stage is
registered on its own too, so DVC stages and users can run them separately. ``replicate`` is
``transfer`` as one replicate of a seed; ``aggregate`` summarises the replicates across seeds.
The trust variants are the ``trust_variants`` parameter (pipeline ``trust``), and those trained
on people's marks ``human_mask_variants`` (pipeline ``trust_human``, after the ``human_masks``
step): each is the one trust pipeline under its own namespace.
"""

from __future__ import annotations

import copy
import functools
import os
from pathlib import Path

from kedro.config import OmegaConfigLoader
from kedro.framework.project import settings
from kedro.pipeline import Pipeline
from kedro.utils import find_kedro_project

from trustcnn.evaluation import NO_DECOY, REFERENCE
from trustcnn.parameters import field, with_trust_defaults
from trustcnn.runtime.errors import ParameterError

TRAINED_BY_BASELINE = (REFERENCE, NO_DECOY)


def _parameters() -> dict:
    """The parameters of ``conf/base`` + the environment ``KEDRO_ENV`` names (default
    ``conf/local``), each variant laid over ``trust_defaults``."""
    root = find_kedro_project(Path.cwd()) or Path.cwd()
    env = os.environ.get("KEDRO_ENV") or "local"
    conf = root / settings.CONF_SOURCE
    files = tuple(
        (str(p), p.stat().st_mtime_ns, p.stat().st_size) for d in ("base", env) for p in sorted((conf / d).rglob("*")) if p.is_file()
    )
    return copy.deepcopy(_read_parameters(str(conf), env, files))


@functools.lru_cache(maxsize=4)
def _read_parameters(conf: str, env: str, files: tuple) -> dict:
    """Read once per process while ``files`` (their paths, times and sizes) stay the same: a
    ``kedro run`` asks for the variant lists four times, each reading ≈ 0.15 s."""
    loader = OmegaConfigLoader(conf, base_env="base", default_run_env=env, merge_strategy={"parameters": "soft"})
    return with_trust_defaults(loader["parameters"])


def trust_variants() -> tuple[str, ...]:
    """``trust_variants`` from ``conf/base`` + the environment ``KEDRO_ENV`` names (default
    ``conf/local``). Pipelines are built before a run's ``--env``/``--params`` are known, so
    an environment with its own list (``conf/decoy_fashion``) is chosen with ``KEDRO_ENV``;
    :class:`~trustcnn.hooks.VariantListCheck` stops a run whose list differs from this one."""
    return variant_lists(_parameters())[0]


def human_mask_variants() -> tuple[str, ...]:
    """``human_mask_variants`` (read like :func:`trust_variants`): the variants trained on
    people's marks, each reading the ``human_masks`` dataset."""
    return variant_lists(_parameters())[1]


def variant_lists(params: dict) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``trust_variants`` and ``human_mask_variants``, checked: distinct names, none a model
    the baseline step trains, and each variant's ``trust.masks`` saying which list it is in
    (DVC's stages follow the lists: a variant on human masks depends on them)."""
    variants, human = params.get("trust_variants") or [], params.get("human_mask_variants") or []
    names = [*variants, *human]
    if not variants or len(set(names)) != len(names) or set(names) & set(TRAINED_BY_BASELINE):
        raise ParameterError(
            f"trust_variants and human_mask_variants must be distinct names other than {TRAINED_BY_BASELINE} "
            f"(trust_variants not empty), got {variants!r} and {human!r}"
        )
    for listed, masks in ((variants, "data"), (human, "human")):
        wrong = [name for name in listed if _masks(params, name) != masks]
        if wrong and masks == "human":
            raise ParameterError(f"{wrong} in human_mask_variants must say trust.masks: human (they train on people's marks)")
        if wrong:
            raise ParameterError(
                f"{wrong} in trust_variants must say trust.masks: data; a variant on people's marks belongs in human_mask_variants"
            )
    return tuple(variants), tuple(human)


def _masks(params: dict, variant: str) -> str:
    """A variant's ``trust.masks`` (``data`` unless it says otherwise), from plain parameters or validated ones."""
    return field(field(params.get(variant), "trust"), "masks") or "data"


def register_pipelines() -> dict[str, Pipeline]:
    from trustcnn.pipelines.annotation import pipeline as annotation
    from trustcnn.pipelines.baseline import pipeline as baseline
    from trustcnn.pipelines.criticism import pipeline as criticism
    from trustcnn.pipelines.error_detection import pipeline as error_detection
    from trustcnn.pipelines.evaluation import pipeline as evaluation
    from trustcnn.pipelines.human_masks import pipeline as human_masks
    from trustcnn.pipelines.ingestion import pipeline as ingestion
    from trustcnn.pipelines.replicates import pipeline as replicates
    from trustcnn.pipelines.robustness import pipeline as robustness
    from trustcnn.pipelines.saliency import pipeline as saliency
    from trustcnn.pipelines.trust import pipeline as trust
    from trustcnn.pipelines.user_study import pipeline as user_study

    variants, human = variant_lists(_parameters())
    models = (*TRAINED_BY_BASELINE, *variants, *human)
    stages = {
        "ingestion": ingestion.create_pipeline(),
        "baseline": baseline.create_pipeline(),
        "human_masks": human_masks.create_pipeline(),
        "trust": trust.create_pipeline(variants=variants),
        "trust_human": trust.create_pipeline(human_mask_variants=human),
        "saliency": saliency.create_pipeline(models=models),
        "error_detection": error_detection.create_pipeline(models=models),
        "robustness": robustness.create_pipeline(models=models),
        "criticism": criticism.create_pipeline(models=models),
        "evaluation": evaluation.create_pipeline(models=models),
        "user_study": user_study.create_pipeline(models=models),
        # Marks are asked about the maps of models trained without them: the variants on
        # human masks come after the marks (a loop, not a cycle).
        "annotation": annotation.create_pipeline(models=(*TRAINED_BY_BASELINE, *variants)),
    }
    transfer = sum(stages.values(), Pipeline([]))
    # One replicate (`--params=seed=N,replicate.active=true`) is `transfer` plus the record of what
    # it was made from; `aggregate` reads every finished replicate (docs/replicates.md).
    across_seeds = {"replicate": transfer + replicates.record_pipeline(), "aggregate": replicates.aggregate_pipeline()}
    return {**stages, "transfer": transfer, "__default__": transfer, **across_seeds}
