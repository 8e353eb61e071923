from kedro.pipeline import Node, Pipeline

from trustcnn.evaluation import headline
from trustcnn.pipelines import with_name
from trustcnn.pipelines.evaluation.nodes import (
    decoy_reliance,
    evaluate,
    four_cases,
    log_evaluation,
    model_figures,
    overlays,
    trust_checks,
)


def figures_pipeline(model_name: str) -> Pipeline:
    """One definition for every model: ``<model_name>.case_examples`` and ``.confusion_matrix``."""
    template = Pipeline(
        [
            Node(
                with_name(model_figures, model_name),
                inputs=["test_set", "maps", "predictions", "scores", "run", "params:evaluation", "params:saliency"],
                outputs=["case_examples", "confusion_matrix"],
                name="model_figures",
            )
        ]
    )
    return Pipeline(template, namespace=model_name, inputs={"test_set"}, parameters={"params:evaluation", "params:saliency"})


def create_pipeline(models: tuple[str, ...], **kwargs) -> Pipeline:
    outputs = {f"{kind}_{name}": f"{name}.{kind}" for name in models for kind in ("maps", "predictions")}
    checks = {f"{kind}_{name}": f"{name}.{kind}" for name in models for kind in ("error_detection", "robustness", "criticism")}
    shared = {"test_set": "test_set", "evaluation": "params:evaluation", "saliency": "params:saliency"}
    reports = ("metrics", "metrics_table", "table1", "table1_md")
    return sum((figures_pipeline(name) for name in models), Pipeline([])) + Pipeline(
        [
            Node(
                evaluate,
                inputs={
                    **shared,
                    "source_metrics": "source_metrics",
                    "bias": "params:bias",
                    "replicate_summary": "replicate_summary",
                    "parameters": "parameters",
                    **outputs,
                    **checks,
                },
                outputs={**{r: r for r in reports}, **{f"scores_{name}": f"{name}.scores" for name in models}},
                name="evaluate",
            ),
            Node(overlays, inputs={**shared, **outputs}, outputs="saliency_overlays", name="overlays"),
            Node(four_cases, inputs=["metrics", "params:evaluation"], outputs=["table3", "table3_md", "case_bars"], name="four_cases"),
            Node(decoy_reliance, inputs="table1", outputs="decoy_reliance", name="decoy_reliance"),
            Node(headline, inputs="metrics", outputs={name: f"{name}.headline" for name in models}, name="headline"),
            Node(
                trust_checks,
                inputs=["metrics", "params:saliency"],
                outputs=["error_detection_md", "robustness_md", "bias_md", "robustness_figure", "bias_figure"],
                name="trust_checks",
            ),
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
