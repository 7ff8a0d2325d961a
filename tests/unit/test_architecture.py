"""The architecture, enforced on the imports themselves (function-level imports included).

``LAYERS`` is the one ordered list of the packages and modules under ``src/eventflow``,
lowest first. A unit may import only units of lower layers (never a peer in its own layer,
never a higher one); docs/architecture.md shows the same list, and a test checks that the
two agree and that the list names every package and module there is.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "eventflow"
DOC = ROOT / "docs" / "architecture.md"

# Lowest first. Each entry is one layer: the units (top-level packages or modules of
# ``eventflow``) in it may import every unit of a lower layer and none of their own or higher.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("errors",),
    ("config", "processes"),
    ("contracts",),
    ("workspace", "serde"),
    ("codegen", "events"),
    ("kafka",),
    ("registry",),
    ("producers", "consumers"),
    ("devstack",),
    ("cli",),
    ("__main__",),
)

# Third-party roots a unit must not import, on top of the layer rule.
FORBIDDEN_THIRD_PARTY = {
    "contracts": {"httpx", "confluent_kafka", "fastapi", "subprocess"},  # pure: no I/O
}
ONLY_IMPORTER = {"confluent_kafka": "kafka"}  # third-party root -> the one unit importing it


def _unit_names() -> list[str]:
    return [unit for layer in LAYERS for unit in layer]


def _rank() -> dict[str, int]:
    return {unit: level for level, layer in enumerate(LAYERS) for unit in layer}


def _module_name(path: Path) -> tuple[str, bool]:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    return ".".join(parts[:-1] if is_package else parts), is_package


@cache
def _modules() -> dict[str, Path]:
    return {_module_name(path)[0]: path for path in PACKAGE.rglob("*.py")}


def _imports(path: Path) -> set[str]:
    name, is_package = _module_name(path)
    return _imports_in(path.read_text("utf-8"), name, is_package, set(_modules()))


def _imports_in(source: str, name: str, is_package: bool, modules: set[str]) -> set[str]:
    """Every module the module ``name`` imports, anywhere in it (also inside functions).

    Relative imports are resolved; ``from package import name`` counts as importing the
    submodule ``package.name`` when there is one, else ``package`` itself.
    """
    base = name.split(".") if is_package else name.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = base[: len(base) - node.level + 1]
                origin = ".".join([*anchor, *([node.module] if node.module else [])])
            else:
                origin = node.module or ""
            for alias in node.names:
                submodule = f"{origin}.{alias.name}"
                found.add(submodule if submodule in modules else origin)
    return found


def _unit_of(module: str) -> str:
    """``eventflow.kafka._producer`` -> ``kafka``; a third-party module -> its root."""
    parts = module.split(".")
    if parts[0] != "eventflow":
        return parts[0]
    return parts[1] if len(parts) > 1 else "eventflow"


def _unit_of_path(path: Path) -> str:
    first = path.relative_to(PACKAGE).parts[0]
    return first.removesuffix(".py")


def _sources() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        if path != PACKAGE / "__init__.py":
            yield _unit_of_path(path), path


def test_the_layers_name_every_package_and_module_once() -> None:
    names = _unit_names()
    present = {
        path.name.removesuffix(".py")
        for path in PACKAGE.iterdir()
        if (path.is_dir() and (path / "__init__.py").exists())
        or (path.suffix == ".py" and path.name != "__init__.py")
    }
    assert len(names) == len(set(names)), "a unit appears in two layers"
    assert set(names) == present


@pytest.mark.parametrize("unit", _unit_names())
def test_imports_point_down_the_layers(unit: str) -> None:
    rank = _rank()
    offending = sorted(
        f"{path.relative_to(PACKAGE)} imports {module}"
        for owner, path in _sources()
        if owner == unit
        for module in _imports(path)
        if _unit_of(module) in rank
        and _unit_of(module) != unit
        and rank[_unit_of(module)] >= rank[unit]
    )
    assert offending == []


def test_the_package_root_imports_only_the_lowest_layer() -> None:
    imported = {_unit_of(m) for m in _imports(PACKAGE / "__init__.py")} - {"__future__"}
    assert imported <= set(LAYERS[0])


@pytest.mark.parametrize("unit", sorted(FORBIDDEN_THIRD_PARTY))
def test_forbidden_third_party_imports(unit: str) -> None:
    offending = sorted(
        f"{path.relative_to(PACKAGE)} imports {module}"
        for owner, path in _sources()
        if owner == unit
        for module in _imports(path)
        if _unit_of(module) in FORBIDDEN_THIRD_PARTY[unit]
    )
    assert offending == []


@pytest.mark.parametrize("library", sorted(ONLY_IMPORTER))
def test_only_one_package_imports_the_library(library: str) -> None:
    offending = sorted(
        str(path.relative_to(PACKAGE))
        for owner, path in _sources()
        if owner != ONLY_IMPORTER[library] and library in {_unit_of(m) for m in _imports(path)}
    )
    assert offending == []


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one node (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            for succ in successors:
                if succ not in index:
                    index[succ] = low[succ] = len(index)
                    stack.append(succ)
                    on_stack.add(succ)
                    work.append((succ, iter(sorted(graph[succ]))))
                    break
                if succ in on_stack:
                    low[node] = min(low[node], index[succ])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return sorted(found)


def _module_graph() -> dict[str, set[str]]:
    modules = _modules()
    return {
        name: {m for m in _imports(path) if m in modules and m != name}
        for name, path in modules.items()
    }


def test_no_import_cycle_between_modules() -> None:
    assert _cycles(_module_graph()) == []


def test_no_import_cycle_between_top_level_packages() -> None:
    graph: dict[str, set[str]] = {}
    for name, targets in _module_graph().items():
        unit = _unit_of(name)
        graph.setdefault(unit, set()).update(_unit_of(t) for t in targets if _unit_of(t) != unit)
    for targets in graph.values():
        for target in targets:
            graph.setdefault(target, set())
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_cycles() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_imports_inside_functions_and_relative_imports_are_seen() -> None:
    source = (
        "import os\n"
        "def build():\n"
        "    from .adapters import build_components\n"
        "    from . import routes\n"
        "    from ..kafka import producer\n"
        "    import eventflow.cli\n"
    )
    modules = {"p.http.adapters", "p.http.routes", "p.kafka", "p.kafka.producer"}
    assert _imports_in(source, "p.http.app", False, modules) == {
        "os",
        "p.http.adapters",
        "p.http.routes",
        "p.kafka.producer",
        "eventflow.cli",
    }
    assert _imports_in("from . import x", "p.http", True, modules) == {"p.http"}


def test_docs_show_the_same_layers() -> None:
    """docs/architecture.md has a ``layers`` block: one line per layer, highest first."""
    text = DOC.read_text("utf-8")
    block = re.search(r"```text\n# layers.*?\n(.*?)```", text, re.S)
    assert block is not None, "docs/architecture.md lost its ```text # layers block"
    shown = [
        tuple(name.strip().strip("/").removesuffix(".py") for name in line.split("|")[0].split(","))
        for line in block.group(1).splitlines()
        if line.strip()
    ]
    assert shown == list(reversed(LAYERS))
