"""Nodes only wire the library: no MLflow, no loops over batches, short."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

NODES = sorted((Path(__file__).resolve().parents[2] / "src/trustcnn/pipelines").glob("*/nodes.py"))
MAX_BODY_LINES = 20  # statements after the docstring


@pytest.mark.parametrize("path", NODES, ids=lambda p: p.parent.name)
def test_nodes_are_thin(path: Path) -> None:
    tree = ast.parse(path.read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert not any(name.split(".")[0] == "mlflow" for name in imported), "nodes record through trustcnn.tracking"
    for function in (n for n in tree.body if isinstance(n, ast.FunctionDef)):
        loops = [n for n in ast.walk(function) if isinstance(n, (ast.For, ast.While))]
        assert not loops, f"{function.name} loops: the library should"
        body = function.body[1:] if isinstance(function.body[0], ast.Expr) else function.body
        lines = function.end_lineno - body[0].lineno + 1
        assert lines <= MAX_BODY_LINES, f"{function.name}: {lines} lines"
