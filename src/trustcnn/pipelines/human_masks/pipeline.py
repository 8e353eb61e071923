from kedro.pipeline import Node, Pipeline

from trustcnn.pipelines.human_masks.nodes import build_human_masks


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                build_human_masks,
                inputs=["train_set", "annotation_marks", "params:human_masks"],
                outputs=["human_masks", "human_masks_report", "human_masks_report_md"],
                name="build_human_masks",
            )
        ]
    )
