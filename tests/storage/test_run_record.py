from pathlib import Path

from trustcnn.storage import RunRecordDataset


def test_a_missing_run_record_loads_as_no_run(tmp_path: Path) -> None:
    dataset = RunRecordDataset(filepath=str(tmp_path / "09_tracking/rrr/mlflow_run.json"))
    assert dataset.load() == {"run_id": None}  # the model came from DVC's cache: later nodes start a new run
    dataset.save({"run_id": "abc", "model_version": "3"})
    assert dataset.load() == {"run_id": "abc", "model_version": "3"}
