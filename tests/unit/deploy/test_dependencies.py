"""Dependencies: pinned once, the same in pyproject.toml and constraints.txt, used where listed."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
# distribution -> the module it is imported as (only those whose names differ or matter here)
BENCH_ONLY = {"dataclasses-avroschema": "dataclasses_avroschema", "avro": "avro"}


def _pins(requirements: list[str]) -> dict[str, str]:
    pins: dict[str, str] = {}
    for requirement in requirements:
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?==([^;\s]+)", requirement.strip())
        assert match, f"not pinned exactly: {requirement}"
        pins[_normal(match.group(1))] = match.group(2)
    return pins


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _constraints() -> dict[str, str]:
    lines = (ROOT / "constraints.txt").read_text("utf-8").splitlines()
    return _pins([line for line in lines if line.strip() and not line.startswith("#")])


def _imported_roots(folder: str) -> set[str]:
    roots: set[str] = set()
    for path in (ROOT / folder).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                roots.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                roots.add(node.module.split(".")[0])
    return roots


def test_every_pin_of_the_project_is_the_same_in_constraints() -> None:
    constraints = _constraints()
    requirements = [*PROJECT["dependencies"]]
    for extra in PROJECT["optional-dependencies"].values():
        requirements += extra
    for name, version in _pins(requirements).items():
        assert constraints.get(name) == version, f"{name}: pyproject {version}"


def test_the_bench_extra_holds_what_only_bench_imports() -> None:
    bench = _pins(PROJECT["optional-dependencies"]["bench"])
    runtime = _pins(PROJECT["dependencies"])
    assert set(bench) == set(BENCH_ONLY)
    assert not set(BENCH_ONLY) & set(runtime)
    used_by_bench = _imported_roots("bench")
    used_elsewhere = _imported_roots("src") | _imported_roots("tests")
    for module in BENCH_ONLY.values():
        assert module in used_by_bench, f"{module} is in the bench extra but bench/ does not use it"
        assert module not in used_elsewhere, f"{module} is used outside bench/: not bench-only"
