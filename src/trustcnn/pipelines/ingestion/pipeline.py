from kedro.pipeline import Node, Pipeline

from trustcnn.pipelines.ingestion.nodes import build_dataset


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                build_dataset,
                inputs="params:data",
                outputs=["train_set", "val_set", "test_set", "source_train_set", "source_val_set", "data_preview", "ingestion_report"],
                name="build_dataset",
            )
        ]
    )
