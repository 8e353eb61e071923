from kedro.pipeline import Node, Pipeline

from trustcnn.pipelines.evaluation.nodes import evaluate, log_evaluation


def create_pipeline(**kwargs) -> Pipeline:
    from trustcnn.pipeline_registry import MODEL_NAMES

    return Pipeline(
        [
            Node(
                evaluate,
                inputs={
                    "test_set": "test_set",
                    "source_metrics": "source_metrics",
                    "evaluation": "params:evaluation",
                    **{name: f"{name}.maps" for name in MODEL_NAMES},
                },
                outputs=["metrics", "metrics_table", "saliency_overlays"],
                name="evaluate",
            ),
            Node(
                log_evaluation,
                inputs={"metrics": "metrics", "overlays": "saliency_overlays", **{name: f"{name}.run" for name in MODEL_NAMES}},
                outputs=None,
                name="log_evaluation",
            ),
        ]
    )
