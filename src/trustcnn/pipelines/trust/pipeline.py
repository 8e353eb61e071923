from kedro.pipeline import Node, Pipeline

from trustcnn.pipelines import with_name
from trustcnn.pipelines.trust.nodes import train_trust_model

SHARED_INPUTS = {"baseline.model", "source_backbone", "train_set", "val_set"}


def trust_pipeline(variant: str) -> Pipeline:
    """The one trust pipeline definition, instantiated under the namespace ``variant``:
    it reads ``params:<variant>.trust`` and writes ``<variant>.model`` etc."""
    template = Pipeline(
        [
            Node(
                with_name(train_trust_model, variant),
                inputs=["baseline.model", "source_backbone", "train_set", "val_set", "params:trust"],
                outputs=["model", "history", "training_curves", "run"],
                name="train_trust",
            )
        ]
    )
    return Pipeline(template, namespace=variant, inputs=SHARED_INPUTS, prefix_datasets_with_namespace=True)


def create_pipeline(variants: tuple[str, ...], **kwargs) -> Pipeline:
    return sum((trust_pipeline(v) for v in variants), Pipeline([]))
