from kedro.pipeline import Node, Pipeline

from trustcnn.pipelines import with_name
from trustcnn.pipelines.trust.nodes import train_trust_model

SHARED_INPUTS = {"baseline.model", "source_backbone", "train_set", "val_set"}


def trust_pipeline(variant: str, human_masks: bool = False) -> Pipeline:
    """The one trust pipeline definition, instantiated under the namespace ``variant``:
    it reads ``params:<variant>.trust`` and writes ``<variant>.model`` etc.; a variant
    trained on people's marks (``masks: human``) reads ``human_masks`` too."""
    extra = ["human_masks"] if human_masks else []
    template = Pipeline(
        [
            Node(
                with_name(train_trust_model, variant),
                inputs=["baseline.model", "source_backbone", "train_set", "val_set", "params:trust", *extra],
                outputs=["model", "history", "training_curves", "run"],
                name="train_trust",
            )
        ]
    )
    return Pipeline(template, namespace=variant, inputs=SHARED_INPUTS | set(extra), prefix_datasets_with_namespace=True)


def create_pipeline(variants: tuple[str, ...] = (), human_mask_variants: tuple[str, ...] = (), **kwargs) -> Pipeline:
    pipelines = [trust_pipeline(v) for v in variants] + [trust_pipeline(v, human_masks=True) for v in human_mask_variants]
    return sum(pipelines, Pipeline([]))
