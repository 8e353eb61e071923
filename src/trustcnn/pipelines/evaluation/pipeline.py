from kedro.pipeline import Node, Pipeline

from trustcnn.pipelines import with_name
from trustcnn.pipelines.evaluation.nodes import decoy_reliance, evaluate, four_cases, log_evaluation, model_figures


def figures_pipeline(model_name: str) -> Pipeline:
    """One definition for every model: ``<model_name>.case_examples`` and ``.confusion_matrix``."""
    template = Pipeline(
        [
            Node(
                with_name(model_figures, model_name),
                inputs=["test_set", "maps", "run", "params:evaluation"],
                outputs=["case_examples", "confusion_matrix"],
                name="model_figures",
            )
        ]
    )
    return Pipeline(template, namespace=model_name, inputs={"test_set"}, parameters={"params:evaluation"})


def create_pipeline(models: tuple[str, ...], **kwargs) -> Pipeline:
    return sum((figures_pipeline(name) for name in models), Pipeline([])) + Pipeline(
        [
            Node(
                evaluate,
                inputs={
                    "test_set": "test_set",
                    "source_metrics": "source_metrics",
                    "evaluation": "params:evaluation",
                    "saliency": "params:saliency",
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
            Node(decoy_reliance, inputs="table1", outputs="decoy_reliance", name="decoy_reliance"),
            Node(
                log_evaluation,
                inputs={
                    "metrics": "metrics",
                    "table1_md": "table1_md",
                    "table3_md": "table3_md",
                    "overlays": "saliency_overlays",
                    "case_figure": "case_bars",
                    "reliance_figure": "decoy_reliance",
                    **{name: f"{name}.run" for name in models},
                },
                outputs=None,
                name="log_evaluation",
            ),
        ]
    )
