"""The code each DVC stage runs, read from the imports of its Kedro pipeline's nodes.

A stage's ``cmd`` is ``kedro run --pipelines=<name>[,<name>…] [--namespaces=<ns>]``; its nodes' modules,
everything they import inside ``trustcnn`` (transitively, package ``__init__`` files included:
Python runs them on import), and the dataset classes in ``trustcnn.storage`` that read and
write every artefact are the code its outputs depend on. ``python -m tests.support.dvc_deps`` prints,
per stage, the files missing from its ``deps`` in ``dvc.yaml``; ``tests/architecture/test_dvc_deps.py``
fails while any is missing.
"""

from __future__ import annotations

import ast
import logging
import os
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import yaml
from kedro.pipeline import Pipeline

PROJECT = Path(__file__).resolve().parents[2]
SRC = PROJECT / "src"
PACKAGE = "trustcnn"
ALWAYS = ("trustcnn.storage",)  # the catalog's dataset classes: how every artefact is read and written


def module_file(module: str) -> Path | None:
    """``src/trustcnn/a/b.py`` or ``src/trustcnn/a/b/__init__.py`` for ``trustcnn.a.b``."""
    base = SRC.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


@cache
def imported_modules(path: Path) -> frozenset[str]:
    """``trustcnn`` modules ``path`` imports anywhere in its body (``from m import x`` counts
    ``m.x`` too when that is a module)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return frozenset(m for m in found if m.split(".")[0] == PACKAGE and module_file(m) is not None)


def closure(modules: Iterable[str]) -> set[Path]:
    """Every file importing ``modules`` executes: the modules, their parent packages'
    ``__init__`` files, and what each of them imports, transitively."""
    files: set[Path] = set()
    pending = list(modules)
    while pending:
        module = pending.pop()
        parts = module.split(".")
        for depth in range(1, len(parts) + 1):
            path = module_file(".".join(parts[:depth]))
            if path is not None and path not in files:
                files.add(path)
                pending.extend(imported_modules(path))
    return files


DVC_FILES = (PROJECT / "dvc.yaml", PROJECT / "replicates/dvc.yaml", PROJECT / "replicates/decoy_fashion/dvc.yaml")


def _variables(dvc_yaml: Path, spec: dict) -> dict:
    """``vars``: whole files or ``file:key`` (paths relative to the dvc.yaml)."""
    variables: dict = {}
    for source in spec.get("vars", []):
        path, _, key = source.partition(":")
        loaded = yaml.safe_load((dvc_yaml.parent / path).read_text())
        variables |= {key: loaded[key]} if key else loaded
    return variables


def _lookup(variables: dict, expression: str):
    value = variables
    for part in re.fullmatch(r"\$\{([\w.]+)\}", expression).group(1).split("."):
        value = value[part]
    return value


def _stages(dvc_yaml: Path) -> dict[str, dict]:
    """``{stage: body}`` of one dvc.yaml, ``foreach`` expanded (``${item}`` substituted); stages of a
    dvc.yaml other than the project's are named ``<file>:<stage>`` as DVC names them."""
    spec = yaml.safe_load(dvc_yaml.read_text())
    variables = _variables(dvc_yaml, spec)
    prefix = "" if dvc_yaml == PROJECT / "dvc.yaml" else f"{dvc_yaml.relative_to(PROJECT)}:"
    stages = {}
    for name, stage in spec["stages"].items():
        if "foreach" in stage:
            for item in _lookup(variables, stage["foreach"]):
                body = yaml.safe_load(yaml.safe_dump(stage["do"]).replace("${item}", str(item)))
                stages[f"{prefix}{name}@{item}"] = body
        else:
            stages[f"{prefix}{name}"] = stage
    return stages


def stage_commands(dvc_yaml: Path | None = None) -> dict[str, str]:
    """``{stage: cmd}`` of ``dvc_yaml`` (default: every dvc.yaml of the project)."""
    return {name: body["cmd"] for path in ([dvc_yaml] if dvc_yaml else DVC_FILES) for name, body in _stages(path).items()}


def stage_deps(dvc_yaml: Path | None = None) -> dict[str, list[str]]:
    """``{stage: deps}``; every stage here runs in the project root (``wdir`` of the others: the root)."""
    return {name: list(body.get("deps", [])) for path in ([dvc_yaml] if dvc_yaml else DVC_FILES) for name, body in _stages(path).items()}


def pipeline_modules(cmd: str) -> set[str]:
    """The modules of the nodes ``cmd`` (``kedro run --pipelines=a[,b…] [--namespaces=…]``) runs."""
    from trustcnn.pipeline_registry import register_pipelines

    registered = register_pipelines()
    names = re.search(r"--pipelines?[= ](\S+)", cmd).group(1).split(",")
    pipeline = sum((registered[name] for name in names), Pipeline([]))
    namespaces = re.search(r"--namespaces?[= ](\S+)", cmd)
    if namespaces:
        pipeline = pipeline.only_nodes_with_namespaces(namespaces.group(1).split(","))
    modules = set()
    for node in pipeline.nodes:
        func = node.func
        while hasattr(func, "__wrapped__"):
            func = func.__wrapped__
        modules.add(func.__module__)
    return modules


def covered(path: Path, deps: Iterable[str]) -> bool:
    relative = path.relative_to(PROJECT)
    return any(relative == Path(dep) or Path(dep) in relative.parents for dep in deps)


def missing_deps() -> dict[str, list[str]]:
    """Per stage, the code files its pipeline runs that no dep of it covers."""
    cwd = Path.cwd()
    os.chdir(PROJECT)  # the pipeline registry reads conf/ from the project root
    try:
        deps = stage_deps()
        missing = {}
        for stage, cmd in stage_commands().items():
            files = closure([*pipeline_modules(cmd), *ALWAYS])
            absent = sorted(str(f.relative_to(PROJECT)) for f in files if not covered(f, deps[stage]))
            if absent:
                missing[stage] = absent
        return missing
    finally:
        os.chdir(cwd)


def suggested_deps(files: Iterable[Path]) -> list[str]:
    """``files`` as compact dvc.yaml deps: each subpackage they touch as a folder (its pipeline
    folder for ``pipelines``), top-level modules one by one. A folder may cover more than the
    stage imports; that only makes DVC re-run it a little more often, never too rarely."""
    deps = set()
    for path in files:
        parts = path.relative_to(SRC / PACKAGE).parts
        keep = 2 if parts[0] == "pipelines" else 1
        deps.add(str((SRC / PACKAGE).joinpath(*parts[:keep]).relative_to(PROJECT)))
    return sorted(deps)


if __name__ == "__main__":
    logging.disable(logging.WARNING)  # Kedro's pipeline warnings are not what this prints
    for stage, files in missing_deps().items():
        print(f"{stage} misses {len(files)} file(s); deps that cover them:")
        for dep in suggested_deps(PROJECT / f for f in files):
            print(f"  - {dep}")
