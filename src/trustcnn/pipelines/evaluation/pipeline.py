from kedro.pipeline import Node, Pipeline

from trustcnn.pipelines.evaluation.nodes import evaluate, four_cases, log_evaluation


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
                four_cases,
                inputs=["metrics", "params:evaluation"],
                outputs=["table3", "table3_md", "case_bars"],
                name="four_cases",
            ),
            Node(
                log_evaluation,
                inputs={
                    "metrics": "metrics",
                    "table1_md": "table1_md",
                    "table3_md": "table3_md",
                    "overlays": "saliency_overlays",
                    "case_figure": "case_bars",
                    **{name: f"{name}.run" for name in models},
                },
                outputs=None,
                name="log_evaluation",
            ),
        ]
    )
