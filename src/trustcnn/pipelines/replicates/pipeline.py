from kedro.pipeline import Node, Pipeline

from trustcnn.pipelines.replicates.nodes import aggregate_replicates, log_replicates, record_replicate


def record_pipeline(**kwargs) -> Pipeline:
    """Added to ``transfer`` for one replicate's run: what it was made from, beside its metrics."""
    return Pipeline(
        [Node(record_replicate, inputs=["parameters", "params:replicate"], outputs="replicate_record", name="record_replicate")]
    )


def aggregate_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                aggregate_replicates,
                inputs=["replicates", "parameters", "params:replicate"],
                outputs=["replicate_summary", "replicate_summary_md", "replicate_forest"],
                name="aggregate_replicates",
            ),
            Node(
                log_replicates,
                inputs=["replicate_summary", "replicate_summary_md", "replicate_forest"],
                outputs=None,
                name="log_replicates",
            ),
        ]
    )
