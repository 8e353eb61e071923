from kedro.pipeline import Node, Pipeline

from trustcnn.data import SPLITS
from trustcnn.pipelines.ingestion.nodes import build_dataset


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                build_dataset,
                inputs="params:data",
                outputs=[*(f"{split}_set" for split in SPLITS), "data_preview", "ingestion_report"],
                name="build_dataset",
            )
        ]
    )
