from kedro.pipeline import Node, Pipeline

from trustcnn.pipelines.evaluation.nodes import evaluate, log_evaluation


def create_pipeline(models: tuple[str, ...], **kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                evaluate,
                inputs={
                    "test_set": "test_set",
                    "source_metrics": "source_metrics",
                    "evaluation": "params:evaluation",
                    **{name: f"{name}.maps" for name in models},
                },
                outputs=["metrics", "metrics_table", "table1", "table1_md", "saliency_overlays"],
                name="evaluate",
            ),
            Node(
                log_evaluation,
                inputs={"metrics": "metrics", "table1_md": "table1_md", "overlays": "saliency_overlays", **{name: f"{name}.run" for name in models}},
                outputs=None,
                name="log_evaluation",
            ),
        ]
    )
