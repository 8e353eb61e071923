from kedro.pipeline import Node, Pipeline

from trustcnn.pipelines import with_name
from trustcnn.pipelines.error_detection.nodes import detect_model_errors

SHARED = {"val_set", "test_set"}
PARAMETERS = {"params:error_detection", "params:evaluation"}


def detection_pipeline(model_name: str) -> Pipeline:
    """One definition for every model: ``<model_name>.error_detection``, ``.risk_coverage``
    and ``.detection_features``."""
    template = Pipeline(
        [
            Node(
                with_name(detect_model_errors, model_name),
                inputs=["model", "val_set", "test_set", "run", "params:error_detection", "params:evaluation"],
                outputs=["error_detection", "risk_coverage", "detection_features"],
                name="detect_errors",
            )
        ]
    )
    return Pipeline(template, namespace=model_name, inputs=SHARED, parameters=PARAMETERS)


def create_pipeline(models: tuple[str, ...], **kwargs) -> Pipeline:
    return sum((detection_pipeline(name) for name in models), Pipeline([]))
