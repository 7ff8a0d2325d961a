"""The dependency arrows of docs/architecture.md, checked on the imports themselves."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "eventflow"

# room -> rooms (or third-party roots) it must never import
FORBIDDEN = {
    "contracts": {
        "registry",
        "codegen",
        "serde",
        "kafka",
        "producers",
        "consumers",
        "cli",
        "workspace",
        "devstack",
        "httpx",
        "confluent_kafka",
        "fastapi",
    },
    "serde": {"kafka", "producers", "consumers", "cli", "confluent_kafka"},
    "codegen": {"kafka", "producers", "consumers", "cli", "registry"},
    "kafka": {"producers", "consumers", "cli", "devstack"},
    "producers": {"consumers", "cli", "devstack"},
    "consumers": {"producers", "cli", "devstack"},
}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _room_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if parts[0] == "eventflow" and len(parts) > 1 else parts[0]


@pytest.mark.parametrize("room", sorted(FORBIDDEN))
def test_room_imports_point_one_way(room):
    offending = sorted(
        f"{path.relative_to(PACKAGE)} imports {module}"
        for path in (PACKAGE / room).rglob("*.py")
        for module in _imports(path)
        if _room_of(module) in FORBIDDEN[room]
    )
    assert offending == []


def test_only_the_kafka_package_imports_confluent_kafka():
    offending = sorted(
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if path.relative_to(PACKAGE).parts[0] != "kafka"
        and any(_room_of(m) == "confluent_kafka" for m in _imports(path))
    )
    assert offending == []
