"""A DVC stage must list every code file its pipeline runs, or an edit there leaves DVC
serving a stale output (``python -m tests.support.dvc_deps`` prints what is missing)."""

from __future__ import annotations

from pathlib import Path

from tests.support.dvc_deps import PROJECT, closure, covered, missing_deps, pipeline_modules


def test_every_stage_lists_the_code_its_pipeline_imports() -> None:
    assert missing_deps() == {}


def test_the_check_sees_transitive_imports_and_would_fail(tmp_path: Path) -> None:
    files = closure(pipeline_modules("kedro run --pipelines=saliency"))
    names = {str(f.relative_to(PROJECT)) for f in files}
    # The node module, what it imports directly, and what those import in turn.
    assert {
        "src/trustcnn/pipelines/saliency/nodes.py",
        "src/trustcnn/posthoc.py",
        "src/trustcnn/models/build.py",
        "src/trustcnn/config.py",
        "src/trustcnn/saliency/registry.py",
        "src/trustcnn/data/decoy_views.py",
    } <= names
    assert not covered(PROJECT / "src/trustcnn/posthoc.py", ["src/trustcnn/saliency", "src/trustcnn/models"])
    assert covered(PROJECT / "src/trustcnn/models/build.py", ["src/trustcnn/models"])
