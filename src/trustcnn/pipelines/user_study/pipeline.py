from kedro.pipeline import Node, Pipeline

from trustcnn.pipelines.user_study.nodes import analyse_study, sample_study


def create_pipeline(models: tuple[str, ...], **kwargs) -> Pipeline:
    outputs = {f"{kind}_{name}": f"{name}.{kind}" for name in models for kind in ("maps", "predictions", "scores", "model", "criticism")}
    return Pipeline(
        [
            Node(
                sample_study,
                inputs={
                    "test_set": "test_set",
                    "metrics": "metrics",
                    "user_study": "params:user_study",
                    "evaluation": "params:evaluation",
                    "robustness": "params:robustness",
                    **outputs,
                },
                outputs=["user_study_package", "user_study_key", "user_study_responses"],
                name="sample_study",
            ),
            Node(
                analyse_study,
                inputs=["user_study_responses", "user_study_key", "params:user_study"],
                outputs=["user_study_report", "user_study_report_md", "user_study_figure"],
                name="analyse_study",
            ),
        ]
    )
