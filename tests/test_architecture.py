"""One direction of flow: each stage imports only the stages before it (checked with ast)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import ROOT

# stage folder → coopgraph modules it must never import
FORBIDDEN = {
    "ontology": ("coopgraph.converters", "coopgraph.shapes", "coopgraph.server", "coopgraph.cli"),
    "converters": ("coopgraph.shapes", "coopgraph.server", "coopgraph.cli", "flask"),
    "shapes": ("coopgraph.server", "coopgraph.cli", "flask"),
    "server": ("coopgraph.cli",),
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("stage", sorted(FORBIDDEN))
def test_stage_imports_only_earlier_stages(stage: str) -> None:
    for path in (ROOT / stage).glob("*.py"):
        for name in _imports(path):
            assert not name.startswith(FORBIDDEN[stage]), f"{path.name} imports {name}"


def test_record_dataclasses_know_nothing_of_rdf() -> None:
    assert not any(
        name.startswith(("rdflib", "pydantic"))
        for name in _imports(ROOT / "converters" / "record.py")
    )


def test_no_module_is_a_god_object() -> None:
    for stage in (*FORBIDDEN, "coopgraph"):
        for path in (ROOT / stage).glob("*.py"):
            lines = len(path.read_text(encoding="utf-8").splitlines())
            assert lines <= 400, f"{path} has {lines} lines: split it along the flow"


def test_every_package_folder_is_declared_for_the_wheel() -> None:
    """A sub-package missing from pyproject's list works editable but not when installed."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    declared = {Path(folder) for folder in config["package-dir"].values()}
    assert set(config["packages"]) == set(config["package-dir"])
    on_disk = {
        init.parent.relative_to(ROOT)
        for stage in ("coopgraph", *FORBIDDEN, "server")
        for init in (ROOT / stage).rglob("__init__.py")
    }
    assert on_disk == declared
