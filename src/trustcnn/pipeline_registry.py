"""Project pipelines.

``transfer`` (also ``__default__``) is the whole experiment: ingestion → baseline →
trust variants → saliency → evaluation. Each stage is registered on its own too, so DVC
stages and users can run them separately.
"""

from __future__ import annotations

from kedro.pipeline import Pipeline

TRUST_VARIANTS: tuple[str, ...] = ("trust_gradcam",)
MODEL_NAMES: tuple[str, ...] = ("baseline", *TRUST_VARIANTS)


def register_pipelines() -> dict[str, Pipeline]:
    from trustcnn.pipelines.baseline import pipeline as baseline
    from trustcnn.pipelines.evaluation import pipeline as evaluation
    from trustcnn.pipelines.ingestion import pipeline as ingestion
    from trustcnn.pipelines.saliency import pipeline as saliency
    from trustcnn.pipelines.trust import pipeline as trust

    stages = {
        "ingestion": ingestion.create_pipeline(),
        "baseline": baseline.create_pipeline(),
        "trust": trust.create_pipeline(),
        "saliency": saliency.create_pipeline(),
        "evaluation": evaluation.create_pipeline(),
    }
    transfer = sum(stages.values(), Pipeline([]))
    return {**stages, "transfer": transfer, "__default__": transfer}
