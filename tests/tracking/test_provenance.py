"""Provenance tags: DVC's hash of a data file, and the git commit of the work tree."""

import hashlib
import subprocess
from pathlib import Path

from trustcnn.tracking.provenance import GIT_COMMIT_TAG, data_tags, dvc_md5, git_tags, is_provenance_tag


def test_dvc_md5_is_the_md5_of_the_bytes(tmp_path: Path) -> None:
    data = bytes(range(256)) * 5000  # larger than one read chunk
    path = tmp_path / "train.npz"
    path.write_bytes(data)
    assert dvc_md5(path, chunk=4096) == hashlib.md5(data).hexdigest()
    tags = data_tags({"train_set": path, "missing": tmp_path / "nope.npz"})
    assert tags == {"trustcnn.data.train_set.md5": hashlib.md5(data).hexdigest()}
    assert all(is_provenance_tag(k) for k in tags)


def test_git_tags_name_the_commit_and_whether_the_tree_is_dirty(tmp_path: Path) -> None:
    assert git_tags(tmp_path) == {}
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "a.txt").write_text("a")
    subprocess.run([*git, "add", "a.txt"], cwd=tmp_path, check=True)
    subprocess.run([*git, "commit", "-qm", "a"], cwd=tmp_path, check=True)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=tmp_path, capture_output=True, text=True).stdout.strip()
    assert git_tags(tmp_path) == {GIT_COMMIT_TAG: head, "trustcnn.git_commit": head, "trustcnn.git_dirty": "false"}
    (tmp_path / "a.txt").write_text("b")
    assert git_tags(tmp_path)["trustcnn.git_dirty"] == "true"
    assert not is_provenance_tag("mlflow.runName")


def test_the_hook_hashes_a_split_again_only_when_its_file_changes(tmp_path: Path, monkeypatch) -> None:
    import mlflow

    from trustcnn.hooks import provenance as hooks
    from trustcnn.storage import ImageSetDataset

    calls = []
    monkeypatch.setattr(hooks, "data_tags", lambda files: calls.append(dict(files)) or {f"trustcnn.data.{n}.md5": "x" for n in files})
    path = tmp_path / "test.npz"
    path.write_bytes(b"one")

    class Node:
        inputs = ("test_set", "params:evaluation")

    class Catalog:
        def get(self, name):
            return ImageSetDataset(filepath=str(path))

    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    hook = hooks.ProvenanceHooks()
    try:
        with mlflow.start_run() as run:
            for _ in range(3):
                hook.before_node_run(Node(), Catalog())
            assert len(calls) == 1
            path.write_bytes(b"two, longer")
            hook.before_node_run(Node(), Catalog())
            assert len(calls) == 2
        assert mlflow.MlflowClient().get_run(run.info.run_id).data.tags["trustcnn.data.test_set.md5"] == "x"
    finally:
        mlflow.set_tracking_uri(None)
