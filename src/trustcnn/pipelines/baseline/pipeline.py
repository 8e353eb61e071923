from kedro.pipeline import Node, Pipeline

from trustcnn.evaluation import NO_DECOY
from trustcnn.pipelines import with_name
from trustcnn.pipelines.baseline.nodes import describe_machine, prepare_backbone, train_baseline_model


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                prepare_backbone,
                inputs=["source_train_set", "source_val_set", "params:model", "params:source_training"],
                outputs=["source_backbone", "source_metrics"],
                name="prepare_backbone",
            ),
            Node(
                train_baseline_model,
                inputs=["source_backbone", "train_set", "val_set", "params:model", "params:baseline"],
                outputs=["baseline.model", "baseline.history", "baseline.training_curves", "baseline.run"],
                name="train_baseline",
            ),
            Node(
                with_name(train_baseline_model, NO_DECOY),
                inputs=["source_backbone", "train_no_decoy_set", "val_no_decoy_set", "params:model", "params:baseline"],
                outputs=[f"{NO_DECOY}.{output}" for output in ("model", "history", "training_curves", "run")],
                name="train_no_decoy_reference",
            ),
            Node(describe_machine, inputs="params:seed", outputs="machine", name="describe_machine"),
        ]
    )
