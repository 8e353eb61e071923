from kedro.pipeline import Node, Pipeline

from trustcnn.pipelines.saliency.nodes import compute_saliency


def saliency_pipeline(model_name: str) -> Pipeline:
    """One definition for every model: reads ``<model_name>.model``, writes ``<model_name>.maps``
    and ``<model_name>.predictions``."""
    template = Pipeline(
        [Node(compute_saliency, inputs=["model", "test_set", "params:saliency"], outputs=["maps", "predictions"], name="compute_saliency")]
    )
    return Pipeline(template, namespace=model_name, inputs={"test_set"}, parameters={"params:saliency"})


def create_pipeline(models: tuple[str, ...], **kwargs) -> Pipeline:
    return sum((saliency_pipeline(name) for name in models), Pipeline([]))
