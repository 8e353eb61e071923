from kedro.pipeline import Node, Pipeline

from trustcnn.pipelines.annotation.nodes import sample_annotation


def create_pipeline(models: tuple[str, ...], **kwargs) -> Pipeline:
    outputs = {f"{kind}_{name}": f"{name}.{kind}" for name in models for kind in ("model", "detection_features")}
    return Pipeline(
        [
            Node(
                sample_annotation,
                inputs={
                    "train_set": "train_set",
                    "annotation": "params:annotation",
                    "saliency": "params:saliency",
                    "error_detection": "params:error_detection",
                    **outputs,
                },
                outputs=["annotation_package", "annotation_key", "annotation_marks"],
                name="sample_annotation",
            ),
        ]
    )
