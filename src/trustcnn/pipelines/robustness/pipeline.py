from kedro.pipeline import Node, Pipeline

from trustcnn.pipelines.robustness.nodes import attack_model

PARAMETERS = {"params:robustness", "params:error_detection", "params:saliency", "params:evaluation"}


def robustness_pipeline(model_name: str) -> Pipeline:
    """One definition for every model: reads ``<model_name>.model`` and
    ``.detection_features``, writes ``<model_name>.robustness``."""
    template = Pipeline(
        [
            Node(
                attack_model,
                inputs=[
                    "model",
                    "test_set",
                    "detection_features",
                    "params:robustness",
                    "params:error_detection",
                    "params:saliency",
                    "params:evaluation",
                ],
                outputs="robustness",
                name="attack",
            )
        ]
    )
    return Pipeline(template, namespace=model_name, inputs={"test_set"}, parameters=PARAMETERS)


def create_pipeline(models: tuple[str, ...], **kwargs) -> Pipeline:
    return sum((robustness_pipeline(name) for name in models), Pipeline([]))
