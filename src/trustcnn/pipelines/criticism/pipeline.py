from kedro.pipeline import Node, Pipeline

from trustcnn.pipelines import with_name
from trustcnn.pipelines.criticism.nodes import criticise_model, criticism_report


def criticism_pipeline(model_name: str) -> Pipeline:
    """One definition for every model: reads ``<model_name>.model``, ``.maps`` and
    ``.predictions``, writes ``<model_name>.criticism`` and ``.criticism_figure``."""
    template = Pipeline(
        [
            Node(
                with_name(criticise_model, model_name),
                inputs=["model", "test_set", "maps", "predictions", "run", "params:criticism"],
                outputs=["criticism", "criticism_figure"],
                name="criticise",
            )
        ]
    )
    return Pipeline(template, namespace=model_name, inputs={"test_set"}, parameters={"params:criticism"})


def create_pipeline(models: tuple[str, ...], **kwargs) -> Pipeline:
    reports = {f"criticism_{name}": f"{name}.criticism" for name in models}
    return sum((criticism_pipeline(name) for name in models), Pipeline([])) + Pipeline(
        [Node(criticism_report, inputs=reports, outputs=["criticism_json", "criticism_md"], name="criticism_report")]
    )
