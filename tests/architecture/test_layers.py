"""No import runs back up: ``src/trustcnn`` is a stack of layers (docs/architecture.md), and a
module may import only from its own layer or the layers below it. Every ``import`` counts,
inside functions too. A package's ``__main__`` (a command's entry point, never imported) sits
with the Kedro layer at the top."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"

LAYERS: list[tuple[str, tuple[str, ...]]] = [  # low → high
    ("runtime", ("trustcnn", "trustcnn.runtime")),
    ("saliency", ("trustcnn.saliency",)),
    ("config", ("trustcnn.config", "trustcnn.parameters")),
    ("building blocks", ("trustcnn.data", "trustcnn.models", "trustcnn.losses", "trustcnn.metrics")),
    ("batches", ("trustcnn.batches",)),
    ("plotting", ("trustcnn.plotting",)),
    ("training", ("trustcnn.training",)),
    ("posthoc", ("trustcnn.posthoc",)),
    ("error_detection", ("trustcnn.error_detection",)),
    ("robustness", ("trustcnn.robustness",)),
    ("criticism", ("trustcnn.criticism",)),
    ("evaluation", ("trustcnn.evaluation",)),
    ("replicates", ("trustcnn.replicates",)),
    ("user_study", ("trustcnn.user_study",)),
    ("recording", ("trustcnn.lineage", "trustcnn.storage", "trustcnn.tracking")),
    (
        "kedro",
        (
            "trustcnn.pipelines",
            "trustcnn.hooks",
            "trustcnn.settings",
            "trustcnn.pipeline_registry",
            "trustcnn.cli",
            "trustcnn.torchrun",
            "trustcnn.dvc_stages",
        ),
    ),
]


def layer_of(module: str) -> int:
    """The index in :data:`LAYERS` of ``module``: its longest matching prefix decides."""
    if module.split(".")[-1] == "__main__":
        return len(LAYERS) - 1
    best, where = -1, None
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, where = len(prefix), index
    if where is None:
        raise LookupError(f"{module} is in no layer of tests/architecture/test_layers.py: add it to LAYERS")
    return where


def module_name(path: Path, src: Path = SRC) -> str:
    parts = path.relative_to(src).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, src: Path = SRC) -> set[str]:
    """The ``trustcnn`` modules ``path`` (under ``src``) imports (relative imports resolved)."""
    module = module_name(path, src)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, *([node.module] if node.module else [])])
            found.add(base)
    return {name for name in found if name.split(".")[0] == "trustcnn"}


def upward_imports(root: Path = SRC / "trustcnn") -> list[str]:
    def upward(path: Path) -> list[str]:
        importer = module_name(path, root.parent)
        return [
            f"{importer} ({LAYERS[layer_of(importer)][0]}) imports {imported} ({LAYERS[layer_of(imported)][0]})"
            for imported in sorted(imports(path, root.parent))
            if layer_of(imported) > layer_of(importer)
        ]

    return [line for path in sorted(root.rglob("*.py")) for line in upward(path)]


def test_no_module_imports_from_a_higher_layer() -> None:
    assert upward_imports() == []


def test_every_module_has_a_layer() -> None:
    for path in (SRC / "trustcnn").rglob("*.py"):
        layer_of(module_name(path))


def test_the_check_names_both_modules(tmp_path: Path) -> None:
    package = tmp_path / "trustcnn"
    (package / "metrics").mkdir(parents=True)
    (package / "metrics" / "__init__.py").write_text("from trustcnn.training import fit\n")
    (package / "training.py").write_text("from trustcnn.metrics import mean_ci\n")
    assert upward_imports(package) == ["trustcnn.metrics (building blocks) imports trustcnn.training (training)"]


@pytest.mark.parametrize("module", ["trustcnn.user_study.cli", "trustcnn.torchrun"])
def test_layers_are_found_by_prefix(module: str) -> None:
    assert LAYERS[layer_of(module)][0] in ("user_study", "kedro")
